/**
 * The gateway's CONSUMER `process` span per event of a sampled trace: a child of the
 * producer's context (so one trace shows the api and every gateway that delivered), linked
 * to it as the messaging conventions ask, with the number of local recipients, the frame size
 * and the time until the last socket's write was handed over. Writes of a turn go out when
 * the turn's corked sockets are uncorked (turn-batched-writes.ts), so the spans of a turn end
 * in a setImmediate queued after that one. An unsampled event stops at one string check.
 * Only gateways that wrote the event to a socket make a span (the sender's own gateway, with
 * nobody else subscribed, does not).
 */
import { ROOT_CONTEXT, type Span, SpanKind, trace } from '@opentelemetry/api';
import type { BusEvent } from '../../core/src/codec/event-codec';
import { contextFromCarrier } from '../../core/src/tracing/event-trace-context';
import {
  ATTR_HERALD_APP_ID,
  ATTR_HERALD_CHANNEL,
  ATTR_HERALD_EVENT,
  ATTR_HERALD_FRAME_BYTES,
  ATTR_HERALD_HANDOFF_MS,
  ATTR_HERALD_RECIPIENTS,
  ATTR_MESSAGING_DESTINATION_TEMPLATE,
  ATTR_MESSAGING_MESSAGE_BODY_SIZE,
  ATTR_MESSAGING_MESSAGE_ID,
  ATTR_MESSAGING_OPERATION_NAME,
  ATTR_MESSAGING_OPERATION_TYPE,
  ATTR_MESSAGING_SYSTEM,
  CHANNEL_DESTINATION,
  USER_DESTINATION,
} from '../../core/src/tracing/span-attributes';
import { sampledTraceId } from '../../core/src/tracing/traceparent';
import type { Tracing } from '../../core/src/tracing/tracing';

export class DeliverySpans {
  private pending: Array<{ span: Span; startedAt: number }> = [];
  private scheduled = false;
  /** performance.now() when the message being delivered reached the gateway, and whose subject it came on. */
  private startedAt = 0;
  private toUser = false;

  constructor(
    private readonly tracing: Tracing,
    private readonly messagingSystem: string,
  ) {}

  /** Called as a bus message arrives, before its fan-out. */
  arrived(toUser: boolean): void {
    this.startedAt = performance.now();
    this.toUser = toUser;
  }

  /** The fan-out of the message that last arrived wrote `recipients` sockets (the DeliveryObserver's call). */
  delivered(event: BusEvent, recipients: number, frameBytes: number): void {
    if (sampledTraceId(event.traceparent) === undefined) return;
    const producer = trace.getSpanContext(contextFromCarrier(event));
    if (!producer) return;
    const { startedAt, toUser } = this;
    const destination = toUser ? USER_DESTINATION : CHANNEL_DESTINATION;
    const span = this.tracing.tracer.startSpan(
      `process ${destination}`,
      {
        kind: SpanKind.CONSUMER,
        startTime: startedAt,
        links: [{ context: producer }],
        attributes: {
          [ATTR_MESSAGING_SYSTEM]: this.messagingSystem,
          [ATTR_MESSAGING_OPERATION_NAME]: 'process',
          [ATTR_MESSAGING_OPERATION_TYPE]: 'process',
          [ATTR_MESSAGING_DESTINATION_TEMPLATE]: destination,
          [ATTR_MESSAGING_MESSAGE_ID]: event.id,
          [ATTR_MESSAGING_MESSAGE_BODY_SIZE]: Buffer.byteLength(event.data),
          [ATTR_HERALD_APP_ID]: event.appId,
          [ATTR_HERALD_CHANNEL]: event.channel,
          [ATTR_HERALD_EVENT]: event.name,
          [ATTR_HERALD_RECIPIENTS]: recipients,
          [ATTR_HERALD_FRAME_BYTES]: frameBytes,
        },
      },
      trace.setSpanContext(ROOT_CONTEXT, producer),
    );
    this.pending.push({ span, startedAt });
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.endTurn);
    }
  }

  private readonly endTurn = (): void => {
    this.scheduled = false;
    const now = performance.now();
    const pending = this.pending;
    this.pending = [];
    for (const { span, startedAt } of pending) {
      span.setAttribute(ATTR_HERALD_HANDOFF_MS, now - startedAt);
      span.end(now);
    }
  };
}
