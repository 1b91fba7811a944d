/**
 * POST /apps/:app_id/users/:user_id/terminate_connections — the pusher SDKs'
 * terminateUserConnections. Also POST /users/:user_id/terminate_connections, the path the
 * official Python SDK (pusher 3.3) sends: its app is the one whose auth_key signed it.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { apiErrors } from '../api-errors';
import type { EventPublisher } from '../event-publisher';
import { authenticatedApp } from '../request-auth';

export async function userRoutes(fastify: FastifyInstance, options: { publisher: EventPublisher }): Promise<void> {
  const terminate = async (request: FastifyRequest) => {
    const app = authenticatedApp(request);
    const { user_id: userId } = request.params as { user_id: string };
    if (userId.length === 0 || userId.length > app.limits.maxUserIdLength) {
      throw apiErrors.invalidUserId({ limit: app.limits.maxUserIdLength });
    }
    await options.publisher.terminateUserConnections(app, userId);
    return {};
  };
  fastify.post('/apps/:app_id/users/:user_id/terminate_connections', terminate);
  fastify.post('/users/:user_id/terminate_connections', terminate);
}
