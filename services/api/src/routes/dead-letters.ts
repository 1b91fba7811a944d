/**
 * Dead-lettered webhooks of an app: `GET /apps/:app_id/webhooks/dead_letters` lists them,
 * `POST /apps/:app_id/webhooks/dead_letters/replay` puts them back in the delivery queue.
 * Signed like every Pusher API request.
 */
import type { FastifyInstance } from 'fastify';
import type { WebhookQueue } from '../../../core/src/webhooks/webhook-queue';
import { apiErrors } from '../api-errors';
import { authenticatedApp } from '../request-auth';

export type DeadLetterAccess = Pick<WebhookQueue, 'deadLetters' | 'replayDeadLetters'>;

export async function deadLetterRoutes(fastify: FastifyInstance, options: { deadLetters: DeadLetterAccess }): Promise<void> {
  const unavailable = (err: unknown) => apiErrors.deadLettersUnavailable({ reason: (err as Error).message });

  fastify.get('/apps/:app_id/webhooks/dead_letters', async (request) => {
    const app = authenticatedApp(request);
    const letters = await options.deadLetters.deadLetters(app.id).catch((err: unknown) => {
      throw unavailable(err);
    });
    return {
      count: letters.length,
      dead_letters: letters.map((l) => ({ id: l.event.id, name: l.event.name, channel: l.event.channel, reason: l.reason, dead_at_ms: l.deadAtMs })),
    };
  });

  fastify.post('/apps/:app_id/webhooks/dead_letters/replay', async (request) => {
    const app = authenticatedApp(request);
    const replayed = await options.deadLetters.replayDeadLetters(app.id).catch((err: unknown) => {
      throw unavailable(err);
    });
    return { replayed };
  });
}
