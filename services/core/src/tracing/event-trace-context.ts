/**
 * The W3C trace context an event carries on the bus, in the protobuf Event's `traceparent` and
 * `tracestate` fields (and in webhook events likewise). One way for LocalBus, NATS and the
 * JetStream journal alike: the context survives a replay, and embedded mode needs no headers.
 * Only sampled contexts are written, so an unsampled event is as small as with tracing off and
 * a gateway skips it after one string check (traceparent.ts).
 */
import { type Context, context, ROOT_CONTEXT, type SpanContext, TraceFlags, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

const propagator = new W3CTraceContextPropagator();

export interface TraceCarrier {
  traceparent: string;
  tracestate: string;
}

const getter = {
  keys: (carrier: Partial<TraceCarrier>) => Object.keys(carrier),
  get: (carrier: Partial<TraceCarrier>, key: string) => (carrier as Record<string, string | undefined>)[key] || undefined,
};

/** The carrier fields for a span's context: empty strings when it is not sampled. */
export function traceCarrier(spanContext: SpanContext): TraceCarrier {
  if (!(spanContext.traceFlags & TraceFlags.SAMPLED)) return { traceparent: '', tracestate: '' };
  const carrier: Partial<TraceCarrier> = {};
  propagator.inject(trace.setSpanContext(ROOT_CONTEXT, spanContext), carrier, {
    set: (c, key, value) => {
      (c as Record<string, string>)[key] = value;
    },
  });
  return { traceparent: carrier.traceparent ?? '', tracestate: carrier.tracestate ?? '' };
}

/** The context a carried traceparent (HTTP header, or event field) names; ROOT_CONTEXT when none or malformed. */
export function contextFromCarrier(carrier: Partial<TraceCarrier>): Context {
  if (!carrier.traceparent) return ROOT_CONTEXT;
  return propagator.extract(ROOT_CONTEXT, carrier, getter);
}

/** The `traceparent` header value for a span (sampled or not): what the API hands back to the publisher. */
export function traceparentHeader(spanContext: SpanContext): string {
  const flags = (spanContext.traceFlags & 0xff).toString(16).padStart(2, '0');
  return `00-${spanContext.traceId}-${spanContext.spanId}-${flags}`;
}

/** Runs `fn` with `active` as the active context, so log lines written inside carry its span's ids (log-trace-fields.ts). */
export function withContext<T>(active: Context, fn: () => T): T {
  return context.with(active, fn);
}
