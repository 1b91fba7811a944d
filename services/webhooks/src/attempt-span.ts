/**
 * The CLIENT span of one webhook POST, when an event it carries belongs to a sampled trace
 * (otherwise there is none: unsampled deliveries cost nothing). It continues the trace of the
 * first such event and links every one, as OpenTelemetry's messaging conventions do for a
 * batch; its `traceparent` goes to the receiver in the request headers, so the customer's
 * backend can continue the trace too.
 */
import { type Link, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { contextFromCarrier, traceparentHeader } from '../../core/src/tracing/event-trace-context';
import {
  ATTR_ERROR_TYPE,
  ATTR_HERALD_APP_ID,
  ATTR_HERALD_WEBHOOK_ATTEMPT,
  ATTR_HERALD_WEBHOOK_EVENTS,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_SERVER_ADDRESS,
  ATTR_URL_FULL,
} from '../../core/src/tracing/span-attributes';
import type { Tracing } from '../../core/src/tracing/tracing';
import type { QueuedWebhook } from '../../core/src/webhooks/webhook-queue';

/** The receiver's URL without credentials or query (which may hold a token). */
function safeUrl(url: string): { full: string; host: string } {
  try {
    const u = new URL(url);
    return { full: `${u.protocol}//${u.host}${u.pathname}`, host: u.hostname };
  } catch {
    return { full: '', host: '' };
  }
}

export class AttemptSpan {
  private constructor(private readonly span: Span) {}

  /** The span for POSTing `batch` to `url`, or undefined when no event of it is in a sampled trace. */
  static start(tracing: Tracing, appId: string, url: string, batch: readonly QueuedWebhook[]): AttemptSpan | undefined {
    if (!tracing.enabled) return undefined;
    const links: Link[] = [];
    for (const item of batch) {
      if (!item.event.traceparent) continue;
      const context = trace.getSpanContext(contextFromCarrier(item.event));
      if (context) links.push({ context });
    }
    if (links.length === 0) return undefined;
    const parent = trace.setSpanContext(ROOT_CONTEXT, links[0].context);
    const { full, host } = safeUrl(url);
    const span = tracing.tracer.startSpan(
      'POST',
      {
        kind: SpanKind.CLIENT,
        links,
        attributes: {
          [ATTR_HTTP_REQUEST_METHOD]: 'POST',
          [ATTR_URL_FULL]: full,
          [ATTR_SERVER_ADDRESS]: host,
          [ATTR_HERALD_APP_ID]: appId,
          [ATTR_HERALD_WEBHOOK_EVENTS]: batch.length,
          [ATTR_HERALD_WEBHOOK_ATTEMPT]: Math.max(...batch.map((i) => i.attempt)),
        },
      },
      parent,
    );
    return new AttemptSpan(span);
  }

  /** The `traceparent` request header. */
  get traceparent(): string {
    return traceparentHeader(this.span.spanContext());
  }

  end(status: number | undefined, failure: string | undefined): void {
    if (status !== undefined) this.span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
    if (failure !== undefined) {
      this.span.setAttribute(ATTR_ERROR_TYPE, status === undefined ? 'no_response' : String(status));
      this.span.setStatus({ code: SpanStatusCode.ERROR, message: failure });
    }
    this.span.end();
  }
}
