/**
 * The Pusher HTTP API. It only publishes and asks presence; it holds no sockets and no
 * state, so any number of api processes can run side by side.
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyError, FastifyInstance } from 'fastify';
import type { AppRegistry } from '../../core/src/apps/app-registry';
import type { Bus } from '../../core/src/bus/bus';
import type { Clock } from '../../core/src/clock';
import type { Logger } from '../../core/src/logging/logger';
import type { CacheStore } from '../../core/src/stores/cache-store';
import { ChannelInfoClient } from './channel-info-client';
import { EventPublisher } from './event-publisher';
import { eventsFastPath, type RequestInterceptor } from './events-fast-path';
import { HttpError } from './http-error';
import { parseJsonBody } from './json-body';
import { authenticate } from './request-auth';
import { channelRoutes } from './routes/channels';
import { eventRoutes } from './routes/events';
import { type DeadLetterAccess, deadLetterRoutes } from './routes/dead-letters';
import { userRoutes } from './routes/users';

export interface ApiOptions {
  readonly apps: AppRegistry;
  readonly bus: Bus;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly maxSkewSeconds: number;
  /** How long to wait for the bus (publish confirmation, presence queries). */
  readonly busTimeoutMs: number;
  readonly cache: CacheStore;
  readonly deadLetters: DeadLetterAccess;
}

/** The largest request body any app may send: a full batch of maximum-size events, escaped. */
export function apiBodyLimit(apps: AppRegistry): number {
  const largest = Math.max(...apps.all().map((a) => a.limits.maxEventPayloadBytes * a.limits.maxEventsPerBatch));
  return Math.max(1024 * 1024, largest * 4);
}

/**
 * Adds the API's routes to `fastify`, and returns the fast path for POST …/events, which the
 * HTTP server must offer each request before fastify (see events-fast-path.ts).
 */
export async function registerApi(fastify: FastifyInstance, options: ApiOptions): Promise<RequestInterceptor> {
  const publisher = new EventPublisher(options.bus, options.clock, options.busTimeoutMs, options.cache);
  const channelInfo = new ChannelInfoClient(options.bus, options.busTimeoutMs);

  await fastify.register(async (api) => {
    // Keep the body as received: body_md5 and the signature are computed over those bytes.
    api.removeAllContentTypeParsers();
    api.addContentTypeParser('*', { parseAs: 'string' }, (request, body, done) => {
      const text = body as string;
      request.rawBody = text;
      try {
        done(null, parseJsonBody(text));
      } catch (err) {
        done(err as HttpError, undefined);
      }
    });

    // Per-app request rate (limits.maxApiRequestsPerSecond; 0 = unlimited), per api process.
    // Checked after authentication (a route-level preHandler runs after the instance's), so
    // only the app's own signed requests use up its budget: requests anyone can send
    // without the secret must not lock the app out of its API.
    const apiRate = (appId: string) => options.apps.byId(appId)?.limits.maxApiRequestsPerSecond ?? 0;
    await api.register(rateLimit, {
      hook: 'preHandler',
      timeWindow: 1000,
      keyGenerator: (request) => request.herald?.app.id ?? '',
      max: async (_request, appId) => apiRate(appId),
      allowList: (_request, appId) => apiRate(appId) === 0,
      errorResponseBuilder: (_request, context) =>
        new HttpError(429, `Too many requests for this app: the limit is ${context.max} per second, retry in ${context.after}`),
    });

    api.addHook('preHandler', async (request) => {
      request.herald = { app: authenticate(request, options.apps, options.clock, options.maxSkewSeconds) };
    });

    api.setErrorHandler((error: FastifyError | HttpError, request, reply) => {
      if (error instanceof HttpError) return reply.code(error.status).send({ error: error.message });
      const status = error.statusCode ?? 500;
      if (status >= 500) options.logger.error({ err: error, url: request.url }, 'api request failed');
      const message = error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'Request body too large' : status >= 500 ? 'Internal server error' : error.message;
      return reply.code(status).send({ error: message });
    });

    await api.register(eventRoutes, { publisher, channelInfo });
    await api.register(channelRoutes, { channelInfo });
    await api.register(userRoutes, { publisher });
    await api.register(deadLetterRoutes, { deadLetters: options.deadLetters });
  });
  return eventsFastPath({ ...options, publisher, channelInfo, bodyLimit: fastify.initialConfig.bodyLimit ?? 1024 * 1024 });
}
