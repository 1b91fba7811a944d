/** The fastify instance every Herald HTTP listener starts from. */
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import type { Logger } from '../../core/src/logging/logger';

export function createHttpServer(logger: Logger, bodyLimit: number): FastifyInstance {
  return Fastify({
    loggerInstance: logger,
    // One log line per request is noise at this traffic; errors are logged where they happen.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit,
    // Pusher's channel names may be 200 characters; leave room in the path.
    routerOptions: { maxParamLength: 1000 },
    forceCloseConnections: true,
  }) as unknown as FastifyInstance;
}
