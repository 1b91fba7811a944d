/**
 * `POST /apps/:app_id/events`, the busiest API call, for every app: answered on Node's own
 * request and response because fastify's router, hooks and reply machinery cost more than the
 * work itself (~15 % of the server's CPU at high publish rates; the many-channels benchmark).
 * The only path for this call. It checks what fastify's routes check, in the same order —
 * Content-Type, body size, JSON, the app, its signature, its request rate — and answers
 * errors through api-error-response.ts like every other route.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppRegistry } from '../../core/src/apps/app-registry';
import type { Clock } from '../../core/src/clock';
import type { Logger } from '../../core/src/logging/logger';
import type { Tracing } from '../../core/src/tracing/tracing';
import { errorResponse, JSON_CONTENT_TYPE, sendErrorResponse } from './api-error-response';
import { apiErrors } from './api-errors';
import type { ApiMetrics } from './api-metrics';
import type { ApiRateLimit } from './api-rate-limit';
import { bodyContentTypeRefusal } from './body-content-type';
import { parseJsonBody } from './json-body';
import { verifySignedRequest } from './request-auth';
import { RequestSpan } from './request-span';
import { requestedEvents } from './requested-events';
import { type EventRoutesOptions, triggerEvent } from './routes/events';

/** Handles the request and returns true, or returns false and leaves it alone. */
export type RequestInterceptor = (request: IncomingMessage, response: ServerResponse) => boolean;

export interface EventsEndpointOptions extends EventRoutesOptions {
  readonly apps: AppRegistry;
  readonly tracing: Tracing;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly maxSkewSeconds: number;
  readonly bodyLimit: number;
  readonly rateLimit: ApiRateLimit;
  readonly metrics: ApiMetrics;
}

/** Any app id segment (unknown ones get the API's 404, not the router's), as on the fastify routes. */
const EVENTS_PATH = /^\/apps\/([^/?]*)\/events(?:\?|$)/;

/** Percent-decoded, as fastify's router decodes `:app_id`. */
function decodedAppId(segment: string): string {
  if (!segment.includes('%')) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Once the app's request is counted, its answer carries the rate headers, errors included. */
interface Counted {
  rateHeaders?: Record<string, string>;
  /** The body once parsed (what the metrics count events by). */
  body?: unknown;
}

const ROUTE = '/apps/:app_id/events';

export function eventsEndpoint(options: EventsEndpointOptions): RequestInterceptor {
  const trigger = async (appId: string, url: string, rawBody: string, counted: Counted, span: RequestSpan | undefined): Promise<object> => {
    const body = parseJsonBody(rawBody);
    counted.body = body;
    const app = options.apps.byId(appId);
    if (!app) throw apiErrors.unknownApp({ appId });
    span?.setApp(app.id);
    verifySignedRequest(app, { method: 'POST', url, rawBody }, options.clock, options.maxSkewSeconds);
    counted.rateHeaders = options.rateLimit.admit(app);
    return triggerEvent(app, body, options, span?.context);
  };

  /** The headers every answer adds: the rate headers once counted, the trace's traceparent with tracing on. */
  const extraHeaders = (counted: Counted | undefined, span: RequestSpan | undefined): Record<string, string> | undefined => {
    if (!span) return counted?.rateHeaders;
    return { ...counted?.rateHeaders, traceparent: span.traceparent };
  };

  /** Headers as one flat list: no object spread per answer on the busiest path. */
  const succeed = (response: ServerResponse, body: object, counted: Counted, span: RequestSpan | undefined): number => {
    const text = JSON.stringify(body);
    const headers = ['content-type', JSON_CONTENT_TYPE, 'content-length', String(Buffer.byteLength(text))];
    const rate = counted.rateHeaders;
    if (rate) for (const name in rate) headers.push(name, rate[name] as string);
    if (span) headers.push('traceparent', span.traceparent);
    response.writeHead(200, headers);
    response.end(text);
    return 200;
  };

  const fail = (response: ServerResponse, err: unknown, url: string, extra: Record<string, string> | undefined, span?: RequestSpan): number => {
    // The request's trace ids on its error line (the span is not the active context after an await).
    const answer = errorResponse(err, span ? options.logger.child(span.logFields()) : options.logger, url);
    sendErrorResponse(response, extra ? { ...answer, headers: { ...extra, ...answer.headers } } : answer);
    return answer.status;
  };

  return (request, response) => {
    if (request.method !== 'POST') return false;
    const url = request.url ?? '';
    const segment = EVENTS_PATH.exec(url)?.[1];
    if (segment === undefined) return false;
    const startedAt = performance.now();
    const appId = decodedAppId(segment);
    const span = options.tracing.enabled ? RequestSpan.start(options.tracing, 'POST', ROUTE, url, request.headers) : undefined;
    // Timed here, outside fastify: from the request's head to its answer. The events counted only for a known app (bounded labels).
    const answered = (statusCode: number, body: unknown): void => {
      span?.end(statusCode);
      options.metrics.observeEventsRequest(statusCode, (performance.now() - startedAt) / 1000, span?.sampledTraceId);
      if (options.apps.byId(appId)) options.metrics.eventsAnswered(appId, statusCode, requestedEvents(body, false));
    };
    const refusal = bodyContentTypeRefusal(request.headers);
    if (refusal) {
      answered(fail(response, refusal, url, extraHeaders(undefined, span), span), undefined);
      return true;
    }

    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > options.bodyLimit) tooLarge = true;
      else chunks.push(chunk);
    });
    request.on('end', () => {
      if (tooLarge) return answered(fail(response, apiErrors.bodyTooLarge(), url, extraHeaders(undefined, span), span), undefined);
      const counted: Counted = {};
      trigger(appId, url, Buffer.concat(chunks).toString('utf8'), counted, span).then(
        (body) => answered(succeed(response, body, counted, span), counted.body),
        (err: unknown) => answered(fail(response, err, url, extraHeaders(counted, span), span), counted.body),
      );
    });
    request.on('error', (err) => options.logger.debug({ err }, 'api request aborted'));
    return true;
  };
}
