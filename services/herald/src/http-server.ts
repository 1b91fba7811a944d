/** The fastify instance every Herald HTTP listener starts from. */
import { createServer } from 'node:http';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import { errorResponse, sendErrorResponse } from '../../api/src/api-error-response';
import { apiErrors } from '../../api/src/api-errors';
import type { RequestInterceptor } from '../../api/src/events-endpoint';
import type { Logger } from '../../core/src/logging/logger';
import { answerErrorsLikeTheApi, clientErrorAnswer, frameworkErrorAnswer } from './http-error-answers';

/**
 * How long an idle keep-alive connection stays open: fastify's own default, which it sets
 * only on servers it creates itself. Node's 5 s would close publishers' pooled connections
 * between bursts, and a request sent as the server closes one fails with ECONNRESET. Longer
 * than the 60 s idle timeout of common load balancers, so they close first.
 */
export const HTTP_KEEP_ALIVE_TIMEOUT_MS = 72_000;

export interface HttpServerOptions {
  readonly logger: Logger;
  readonly bodyLimit: number;
  /** Offered every request before fastify (the api's POST …/events endpoint). */
  readonly frontDoor?: RequestInterceptor;
}

export function createHttpServer(options: HttpServerOptions): FastifyInstance {
  const { logger, frontDoor } = options;
  let closing = false;
  const fastify = Fastify({
    serverFactory: (handler) => {
      const server = createServer((request, response) => {
        // What fastify's return503OnClosing does, here so it covers the front door too.
        if (closing) return sendErrorResponse(response, errorResponse(apiErrors.serverClosing(), logger, request.url));
        if (frontDoor?.(request, response)) return;
        handler(request, response);
      });
      server.keepAliveTimeout = HTTP_KEEP_ALIVE_TIMEOUT_MS;
      return server;
    },
    loggerInstance: logger,
    // One log line per request is noise at this traffic; errors are logged where they happen.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimit,
    // Pusher's channel names may be 200 characters; leave room in the path.
    routerOptions: { maxParamLength: 1000 },
    forceCloseConnections: true,
    // Requests are refused while closing above, in the API's error format, before any route.
    return503OnClosing: false,
    // Errors outside the API's routes in its shape too, never echoing the query (http-error-answers.ts).
    frameworkErrors: frameworkErrorAnswer(logger),
    clientErrorHandler: clientErrorAnswer(logger),
  }) as unknown as FastifyInstance;
  answerErrorsLikeTheApi(fastify, logger);
  // The first preClose hook: fastify runs it as it starts closing, before it drops connections.
  fastify.addHook('preClose', async () => {
    closing = true;
  });
  return fastify;
}
