/**
 * The PRODUCER `publish` span of each event the api publishes (one per channel), children of
 * the request's server span, following OpenTelemetry's messaging conventions. Each event
 * carries its own span's context to the gateways (event-trace-context.ts), and the span ends
 * when the journal confirms the event — or fails with it.
 */
import { type Context, type Span, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { type TraceCarrier, traceCarrier } from '../../core/src/tracing/event-trace-context';
import {
  ATTR_ERROR_TYPE,
  ATTR_HERALD_APP_ID,
  ATTR_HERALD_CHANNEL,
  ATTR_HERALD_EVENT,
  ATTR_MESSAGING_DESTINATION_TEMPLATE,
  ATTR_MESSAGING_MESSAGE_BODY_SIZE,
  ATTR_MESSAGING_MESSAGE_ID,
  ATTR_MESSAGING_OPERATION_NAME,
  ATTR_MESSAGING_OPERATION_TYPE,
  ATTR_MESSAGING_SYSTEM,
  CHANNEL_DESTINATION,
  USER_DESTINATION,
} from '../../core/src/tracing/span-attributes';
import type { Tracing } from '../../core/src/tracing/tracing';

export interface PublishedEvent {
  readonly id: string;
  readonly appId: string;
  readonly channel: string;
  readonly name: string;
  readonly dataBytes: number;
  /** A server-to-user event (`#server-to-user-<id>`) goes to a user subject. */
  readonly toUser: boolean;
}

export class PublishSpans {
  private readonly spans: Span[] = [];

  constructor(
    private readonly tracing: Tracing,
    private readonly parent: Context,
    private readonly messagingSystem: string,
  ) {}

  /** Starts the event's span; returns the trace fields the event carries (empty when unsampled). */
  start(event: PublishedEvent): TraceCarrier {
    const destination = event.toUser ? USER_DESTINATION : CHANNEL_DESTINATION;
    const span = this.tracing.tracer.startSpan(
      `publish ${destination}`,
      {
        kind: SpanKind.PRODUCER,
        attributes: {
          [ATTR_MESSAGING_SYSTEM]: this.messagingSystem,
          [ATTR_MESSAGING_OPERATION_NAME]: 'publish',
          [ATTR_MESSAGING_OPERATION_TYPE]: 'send',
          [ATTR_MESSAGING_DESTINATION_TEMPLATE]: destination,
          [ATTR_MESSAGING_MESSAGE_ID]: event.id,
          [ATTR_MESSAGING_MESSAGE_BODY_SIZE]: event.dataBytes,
          [ATTR_HERALD_APP_ID]: event.appId,
          [ATTR_HERALD_CHANNEL]: event.channel,
          [ATTR_HERALD_EVENT]: event.name,
        },
      },
      this.parent,
    );
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
