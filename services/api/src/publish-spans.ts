/**
 * The PRODUCER `publish` spans of one request's events (one per channel), children of the
 * request's server span. Each event carries its own span's context to the gateways
 * (event-trace-context.ts), and the spans end when the journal confirms the events — or fail
 * with them.
 */
import { type Context, type Span, SpanStatusCode } from '@opentelemetry/api';
import { type TraceCarrier, traceCarrier } from '../../core/src/tracing/event-trace-context';
import { type PublishedEvent, startPublishSpan } from '../../core/src/tracing/publish-span';
import { ATTR_ERROR_TYPE } from '../../core/src/tracing/span-attributes';
import type { Tracing } from '../../core/src/tracing/tracing';

export class PublishSpans {
  private readonly spans: Span[] = [];

  constructor(
    private readonly tracing: Tracing,
    private readonly parent: Context,
    private readonly messagingSystem: string,
  ) {}

  /** Starts the event's span; returns the trace fields the event carries (empty when unsampled). */
  start(event: PublishedEvent): TraceCarrier {
    const span = startPublishSpan(this.tracing, this.messagingSystem, event, this.parent);
    this.spans.push(span);
    return traceCarrier(span.spanContext());
  }

  confirmed(): void {
    for (const span of this.spans) span.end();
  }

  failed(err: Error): void {
    for (const span of this.spans) {
      span.setAttribute(ATTR_ERROR_TYPE, err.name || 'Error');
      span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
      span.end();
    }
  }
}
