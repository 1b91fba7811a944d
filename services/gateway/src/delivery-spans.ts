/**
 * The gateway's CONSUMER `process` span per event of a sampled trace: a child of the
 * producer's context (so one trace shows the api and every gateway that delivered), linked
 * to it as the messaging conventions ask, with the number of local recipients, the frame size
 * and the time until the last socket's write was handed over. Writes of a turn go out when
 * the turn's corked sockets are uncorked (turn-batched-writes.ts), so the spans of a turn end
 * in a setImmediate queued after that one. Unsampled events never reach this class.
 */
import { type Span, SpanKind, trace } from '@opentelemetry/api';
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
import type { Tracing } from '../../core/src/tracing/tracing';

export interface TracedDelivery {
  readonly event: BusEvent;
  readonly recipients: number;
  readonly frameBytes: number;
  /** performance.now() when the message reached the gateway. */
  readonly startedAt: number;
  readonly toUser: boolean;
}

export class DeliverySpans {
  private pending: Array<{ span: Span; startedAt: number }> = [];
  private scheduled = false;

  constructor(
    private readonly tracing: Tracing,
    private readonly messagingSystem: string,
  ) {}

  record(delivery: TracedDelivery): void {
    const { event } = delivery;
    const producer = trace.getSpanContext(contextFromCarrier(event));
    if (!producer) return;
    const destination = delivery.toUser ? USER_DESTINATION : CHANNEL_DESTINATION;
    const span = this.tracing.tracer.startSpan(
      `process ${destination}`,
      {
        kind: SpanKind.CONSUMER,
        startTime: delivery.startedAt,
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
          [ATTR_HERALD_RECIPIENTS]: delivery.recipients,
          [ATTR_HERALD_FRAME_BYTES]: delivery.frameBytes,
        },
      },
      trace.setSpanContext(contextFromCarrier({}), producer),
    );
    this.pending.push({ span, startedAt: delivery.startedAt });
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
