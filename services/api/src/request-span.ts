/**
 * The SERVER span of one HTTP API request: a child of the caller's `traceparent` header when
 * it sends one (a backend that traces its own work), a new trace otherwise. The answer carries
 * the span's `traceparent` back, sampled or not, so a publisher can look its event up; the
 * Pusher SDKs ignore the header and the body stays Pusher's.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { type Context, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, TraceFlags, trace } from '@opentelemetry/api';
import { contextFromCarrier, traceparentHeader } from '../../core/src/tracing/event-trace-context';
import {
  ATTR_ERROR_TYPE,
  ATTR_HERALD_APP_ID,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_URL_PATH,
} from '../../core/src/tracing/span-attributes';
import type { Tracing } from '../../core/src/tracing/tracing';

declare module 'fastify' {
  interface FastifyRequest {
    /** The request's server span, with tracing on. */
    heraldSpan?: RequestSpan;
  }
}

export class RequestSpan {
  /**
   * The parent context of the request's own spans (the events' publish spans), or undefined
   * when the request is not sampled: under parent-based sampling (OpenTelemetry's default) its
   * children would not be either, so an unsampled request starts no other span.
   */
  readonly context: Context | undefined;

  private constructor(private readonly span: Span) {
    this.context = span.isRecording() ? trace.setSpan(ROOT_CONTEXT, span) : undefined;
  }

  /** The `traceparent` response header. */
  get traceparent(): string {
    return traceparentHeader(this.span.spanContext());
  }

  /** `route` is the route template (`/apps/:app_id/events`): span names stay low-cardinality. */
  static start(tracing: Tracing, method: string, route: string, url: string, headers: IncomingHttpHeaders): RequestSpan {
    const traceparent = typeof headers.traceparent === 'string' ? headers.traceparent : undefined;
    const tracestate = typeof headers.tracestate === 'string' ? headers.tracestate : undefined;
    const parent = contextFromCarrier({ traceparent, tracestate });
    const span = tracing.tracer.startSpan(`${method} ${route}`, { kind: SpanKind.SERVER }, parent);
    if (span.isRecording()) {
      const queryAt = url.indexOf('?');
      span.setAttributes({ [ATTR_HTTP_REQUEST_METHOD]: method, [ATTR_HTTP_ROUTE]: route, [ATTR_URL_PATH]: queryAt === -1 ? url : url.slice(0, queryAt) });
    }
    return new RequestSpan(span);
  }

  /** The trace id when the span is sampled (exported): the exemplar of the request-duration metric. Still known after end(). */
  get sampledTraceId(): string | undefined {
    const context = this.span.spanContext();
    return context.traceFlags & TraceFlags.SAMPLED ? context.traceId : undefined;
  }

  /** For log lines written outside the span's context (fastify's error handler). */
  logFields(): { trace_id: string; span_id: string } {
    const { traceId, spanId } = this.span.spanContext();
    return { trace_id: traceId, span_id: spanId };
  }

  setApp(appId: string): void {
    if (this.span.isRecording()) this.span.setAttribute(ATTR_HERALD_APP_ID, appId);
  }

  end(status: number): void {
    if (!this.span.isRecording()) return;
    this.span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
    // Server spans: only 5xx are errors (a 4xx is the client's, per the HTTP conventions).
    if (status >= 500) {
      this.span.setAttribute(ATTR_ERROR_TYPE, String(status));
      this.span.setStatus({ code: SpanStatusCode.ERROR });
    }
    this.span.end();
  }
}
