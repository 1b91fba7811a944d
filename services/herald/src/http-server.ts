/** The fastify instance every Herald HTTP listener starts from. */
import { createServer } from 'node:http';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import type { RequestInterceptor } from '../../api/src/events-fast-path';
import type { Logger } from '../../core/src/logging/logger';

/** `interceptors` may be filled after creation (the api adds its fast path when registered). */
export function createHttpServer(logger: Logger, bodyLimit: number, interceptors: readonly RequestInterceptor[] = []): FastifyInstance {
  return Fastify({
    serverFactory: (handler) =>
      createServer((request, response) => {
        for (const intercept of interceptors) if (intercept(request, response)) return;
        handler(request, response);
      }),
    loggerInstance: logger,
    // One log line per request is noise at this traffic; errors are logged where they happen.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit,
    // Pusher's channel names may be 200 characters; leave room in the path.
    routerOptions: { maxParamLength: 1000 },
    forceCloseConnections: true,
  }) as unknown as FastifyInstance;
}
