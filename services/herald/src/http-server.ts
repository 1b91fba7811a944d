/** The fastify instance every Herald HTTP listener starts from. */
import { createServer } from 'node:http';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import type { RequestInterceptor } from '../../api/src/events-fast-path';
import type { Logger } from '../../core/src/logging/logger';

/**
 * How long an idle keep-alive connection stays open: fastify's own default, which it sets
 * only on servers it creates itself. Node's 5 s would close publishers' pooled connections
 * between bursts, and a request sent as the server closes one fails with ECONNRESET. Longer
 * than the 60 s idle timeout of common load balancers, so they close first.
 */
export const HTTP_KEEP_ALIVE_TIMEOUT_MS = 72_000;

/** `interceptors` may be filled after creation (the api adds its fast path when registered). */
export function createHttpServer(logger: Logger, bodyLimit: number, interceptors: readonly RequestInterceptor[] = []): FastifyInstance {
  return Fastify({
    serverFactory: (handler) => {
      const server = createServer((request, response) => {
        for (const intercept of interceptors) if (intercept(request, response)) return;
        handler(request, response);
      });
      server.keepAliveTimeout = HTTP_KEEP_ALIVE_TIMEOUT_MS;
      return server;
    },
    loggerInstance: logger,
    // One log line per request is noise at this traffic; errors are logged where they happen.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit,
    // Pusher's channel names may be 200 characters; leave room in the path.
    routerOptions: { maxParamLength: 1000 },
    forceCloseConnections: true,
  }) as unknown as FastifyInstance;
}
