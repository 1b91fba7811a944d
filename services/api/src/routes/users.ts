/** POST /apps/:app_id/users/:user_id/terminate_connections — the pusher SDK's terminateUserConnections. */
import type { FastifyInstance } from 'fastify';
import type { EventPublisher } from '../event-publisher';
import { HttpError } from '../http-error';

export async function userRoutes(fastify: FastifyInstance, options: { publisher: EventPublisher }): Promise<void> {
  fastify.post('/apps/:app_id/users/:user_id/terminate_connections', async (request) => {
    const app = request.herald!.app;
    const { user_id: userId } = request.params as { user_id: string };
    if (userId.length === 0 || userId.length > app.limits.maxUserIdLength) {
      throw HttpError.badRequest(`user id must be 1 to ${app.limits.maxUserIdLength} characters`);
    }
    await options.publisher.terminateUserConnections(app, userId);
    return {};
  });
}
