/** The fastify instance every Herald HTTP listener starts from. */
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import { errorResponse, sendErrorResponse } from '../../api/src/api-error-response';
import { apiErrors } from '../../api/src/api-errors';
import type { RequestInterceptor } from '../../api/src/events-endpoint';
import { type Clock, systemClock } from '../../core/src/clock';
import { type ServerConfig, serverSchema } from '../../core/src/config/server-schema';
import type { Logger } from '../../core/src/logging/logger';
import { answerErrorsLikeTheApi, clientErrorAnswer, frameworkErrorAnswer } from './http-error-answers';
import { createNodeHttpListener, type HttpListenerConfig } from './node-http-listener';

export interface HttpServerOptions {
  readonly logger: Logger;
  readonly bodyLimit: number;
  /** Offered every request before fastify (the api's POST …/events endpoint). */
  readonly frontDoor?: RequestInterceptor;
  /** Timeouts, TLS and trusted proxies (default: the defaults of the server settings). */
  readonly config?: HttpListenerConfig & Pick<ServerConfig, 'trustedProxies'>;
  /** Paces the TLS certificate reloads. */
  readonly clock?: Clock;
}

export function createHttpServer(options: HttpServerOptions): FastifyInstance {
  const { logger, frontDoor } = options;
  const config = options.config ?? serverSchema.parse({});
  let closing = false;
  let stopListener = () => {};
  const fastify = Fastify({
    serverFactory: (handler) => {
      const listener = createNodeHttpListener(
        config,
        (request, response) => {
          // What fastify's return503OnClosing does, here so it covers the front door too.
          if (closing) return sendErrorResponse(response, errorResponse(apiErrors.serverClosing(), logger, request.url));
          if (frontDoor?.(request, response)) return;
          handler(request, response);
        },
        options.clock ?? systemClock,
        logger,
      );
      stopListener = listener.close;
      return listener.server;
    },
    // request.ip is the client's: X-Forwarded-For is believed only from these proxies.
    trustProxy: config.trustedProxies.length > 0 ? [...config.trustedProxies] : false,
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
  fastify.addHook('onClose', async () => stopListener());
  return fastify;
}
