/**
 * The replica's CONSUMER `process presence join` span for each join a gateway sent with a
 * sampled trace context (its `pusher:subscribe presence` span's): a child of that context, so
 * the subscribe and every replica's handling of it are one trace. What the join caused — the
 * user's member_added, and channel_occupied when the update's counts filled the channel — is
 * marked with the span's context, which presence-events.ts and presence-webhooks.ts put in
 * the member_added event and the webhook events. Every replica handles every join: each
 * replica's span is its own child of the subscribe (the events keep one id; gateways deliver
 * the first copy). Joins without a carried context get no span.
 */
import { type Span, SpanKind, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';
import type { Decoded, MemberJoinMessage } from '../../core/src/codec/messages';
import { contextFromCarrier, type TraceCarrier, traceCarrier } from '../../core/src/tracing/event-trace-context';
import {
  ATTR_HERALD_APP_ID,
  ATTR_HERALD_CHANNEL,
  ATTR_HERALD_RESULT,
  ATTR_HERALD_SOCKET_ID,
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_OPERATION_NAME,
  ATTR_MESSAGING_OPERATION_TYPE,
  ATTR_MESSAGING_SYSTEM,
} from '../../core/src/tracing/span-attributes';
import type { MembershipChange } from './membership';

/** Which changes a traced join caused, with the context their events carry. */
export type ChangeTraces = ReadonlyMap<MembershipChange, TraceCarrier>;

type Join = Decoded<MemberJoinMessage>;

export class JoinSpans {
  constructor(
    private readonly tracer: Tracer,
    private readonly messagingSystem: string,
    private readonly destination: string,
  ) {}

  /** The spans of one update's joins; undefined when none of its joins carries a sampled context (the common case). */
  forUpdate(joins: readonly Join[]): UpdateJoinSpans | undefined {
    if (!joins.some((j) => j.traceparent)) return undefined;
    return new UpdateJoinSpans(this.tracer, this.messagingSystem, this.destination);
  }
}

export class UpdateJoinSpans {
  private readonly traces = new Map<MembershipChange, TraceCarrier>();
  private readonly spans: Span[] = [];

  constructor(
    private readonly tracer: Tracer,
    private readonly messagingSystem: string,
    private readonly destination: string,
  ) {}

  /** What the update's traced joins caused, for the events. */
  get changeTraces(): ChangeTraces {
    return this.traces;
  }

  /** The replica refused the join (the channel is full). */
  rejected(join: Join, reason: string): void {
    const span = this.start(join);
    if (!span) return;
    span.setAttribute(ATTR_HERALD_RESULT, 'rejected');
    span.setStatus({ code: SpanStatusCode.ERROR, message: reason });
  }

  /** The join was applied; `changes.slice(from)` is what it caused, and `changes` holds the whole update's. */
  joined(join: Join, changes: readonly MembershipChange[], from: number): void {
    const span = this.start(join);
    if (!span) return;
    const carrier = traceCarrier(span.spanContext());
    let added = false;
    for (let i = from; i < changes.length; i++) {
      if (changes[i].kind === 'member_added') added = true;
      this.traces.set(changes[i], carrier);
    }
    // The channel_occupied of this join's channel came from the counts earlier in the same update.
    for (let i = 0; i < from; i++) {
      const change = changes[i];
      if (change.kind === 'occupied' && change.appId === join.appId && change.channel === join.channel && !this.traces.has(change)) {
        this.traces.set(change, carrier);
      }
    }
    span.setAttribute(ATTR_HERALD_RESULT, added ? 'member_added' : 'joined');
  }

  /** After the update's events and webhooks went out. */
  end(): void {
    for (const span of this.spans) span.end();
  }

  private start(join: Join): Span | undefined {
    const parent = contextFromCarrier(join);
    if (!trace.getSpanContext(parent)) return undefined;
    const span = this.tracer.startSpan(
      'process presence join',
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          [ATTR_MESSAGING_SYSTEM]: this.messagingSystem,
          [ATTR_MESSAGING_OPERATION_NAME]: 'process',
          [ATTR_MESSAGING_OPERATION_TYPE]: 'process',
          [ATTR_MESSAGING_DESTINATION_NAME]: this.destination,
          [ATTR_HERALD_APP_ID]: join.appId,
          [ATTR_HERALD_CHANNEL]: join.channel,
          [ATTR_HERALD_SOCKET_ID]: join.socketId,
        },
      },
      parent,
    );
    this.spans.push(span);
    return span;
  }
}
