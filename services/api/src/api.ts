/**
 * The Pusher HTTP API. It only publishes and asks presence; it holds no sockets and no
 * state, so any number of api processes can run side by side.
 */
import type { FastifyInstance } from 'fastify';
import type { AppRegistry } from '../../core/src/apps/app-registry';
import type { Bus } from '../../core/src/bus/bus';
import type { Clock } from '../../core/src/clock';
import type { EventJournal } from '../../core/src/journal/event-journal';
import type { Logger } from '../../core/src/logging/logger';
import type { HeraldService } from '../../core/src/service/service-lifecycle';
import type { CacheStore } from '../../core/src/stores/cache-store';
import type { Tracing } from '../../core/src/tracing/tracing';
import { errorResponse } from './api-error-response';
import { ApiRateLimit } from './api-rate-limit';
import { bodyContentTypeRefusal, saysNoContentType } from './body-content-type';
import { ChannelInfoClient } from './channel-info-client';
import { EventPublisher } from './event-publisher';
import { eventsEndpoint, type RequestInterceptor } from './events-endpoint';
import { parseJsonBody } from './json-body';
import { authenticate } from './request-auth';
import { RequestSpan } from './request-span';
import { channelRoutes } from './routes/channels';
import { type DeadLetterAccess, deadLetterRoutes } from './routes/dead-letters';
import { batchEventsRoute } from './routes/events';
import { userRoutes } from './routes/users';

export interface ApiOptions {
  readonly apps: AppRegistry;
  readonly bus: Bus;
  /** What events are published through: the api answers 200 once it confirms them. */
  readonly journal: EventJournal;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly maxSkewSeconds: number;
  /** How long to wait for the bus (publish confirmation, presence queries). */
  readonly busTimeoutMs: number;
  readonly cache: CacheStore;
  readonly deadLetters: DeadLetterAccess;
  /** The largest request body accepted (apiBodyLimit), by the events endpoint and fastify alike. */
  readonly bodyLimit: number;
  readonly tracing: Tracing;
}

/** The largest request body any app may send: a full batch of maximum-size events, escaped. */
export function apiBodyLimit(apps: AppRegistry): number {
  const largest = Math.max(...apps.all().map((a) => a.limits.maxEventPayloadBytes * a.limits.maxEventsPerBatch));
  return Math.max(1024 * 1024, largest * 4);
}

export class Api implements HeraldService {
  readonly name = 'api';
  /**
   * POST /apps/:app_id/events, which must see each request before fastify does: give it to
   * the HTTP server when creating it (see events-endpoint.ts).
   */
  readonly eventsEndpoint: RequestInterceptor;
  private readonly publisher: EventPublisher;
  private readonly channelInfo: ChannelInfoClient;
  /** One count per app for all its routes, the events endpoint included. */
  private readonly rateLimit: ApiRateLimit;

  constructor(private readonly options: ApiOptions) {
    this.publisher = new EventPublisher(options.bus, options.journal, options.clock, options.busTimeoutMs, options.cache, options.tracing);
    this.channelInfo = new ChannelInfoClient(options.bus, options.busTimeoutMs);
    this.rateLimit = new ApiRateLimit(options.clock);
    this.eventsEndpoint = eventsEndpoint({ ...options, publisher: this.publisher, channelInfo: this.channelInfo, rateLimit: this.rateLimit });
  }

  /** Nothing to start: the api subscribes to nothing and its routes are registered before. */
  async start(): Promise<void> {}

  /** Refuses new publishes (503) and waits for those under way; channel queries still answer. */
  async drain(): Promise<void> {
    await this.publisher.drain();
  }

  /** Nothing to release: the api holds no subscriptions or timers (the HTTP server is the node's). */
  async stop(): Promise<void> {}

  /** Adds every other API route to `fastify`. */
  async register(fastify: FastifyInstance): Promise<void> {
    const { options } = this;
    await fastify.register(async (api) => {
      if (options.tracing.enabled) {
        const { tracing } = options;
        api.addHook('onRequest', async (request, reply) => {
          const span = RequestSpan.start(tracing, request.method, request.routeOptions.url ?? 'unmatched', request.url, request.headers);
          request.heraldSpan = span;
          reply.header('traceparent', span.traceparent);
        });
        api.addHook('onResponse', async (request, reply) => request.heraldSpan?.end(reply.statusCode));
      }

      // The Content-Type rule of every API body (body-content-type.ts), before fastify reads it.
      api.addHook('onRequest', async (request) => {
        const refusal = bodyContentTypeRefusal(request.headers);
        if (refusal) throw refusal;
        // fastify refuses a blank Content-Type as an invalid media type; the rule reads it as none.
        if (request.raw.headers['content-type'] !== undefined && saysNoContentType(request.raw.headers)) delete request.raw.headers['content-type'];
      });

      // Keep the body as received: body_md5 and the signature are computed over those bytes.
      api.removeAllContentTypeParsers();
      api.addContentTypeParser('*', { parseAs: 'string' }, (request, body, done) => {
        const text = body as string;
        request.rawBody = text;
        try {
          done(null, parseJsonBody(text));
        } catch (err) {
          done(err as Error, undefined);
        }
      });

      // Counted after authentication, so only the app's own signed requests use up its budget.
      api.addHook('preHandler', async (request, reply) => {
        const app = authenticate(request, options.apps, options.clock, options.maxSkewSeconds);
        request.herald = { app };
        request.heraldSpan?.setApp(app.id);
        const rateHeaders = this.rateLimit.admit(app);
        if (rateHeaders) reply.headers(rateHeaders);
      });

      api.setErrorHandler((error, request, reply) => {
        const logger = request.heraldSpan ? options.logger.child(request.heraldSpan.logFields()) : options.logger;
        const answer = errorResponse(error, logger, request.url);
        return reply.code(answer.status).headers(answer.headers).send(answer.body);
      });

      await api.register(batchEventsRoute, { publisher: this.publisher, channelInfo: this.channelInfo });
      await api.register(channelRoutes, { channelInfo: this.channelInfo });
      await api.register(userRoutes, { publisher: this.publisher });
      await api.register(deadLetterRoutes, { deadLetters: options.deadLetters });
    });
  }
}
