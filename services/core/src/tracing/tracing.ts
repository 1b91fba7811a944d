/**
 * What a service traces with, passed down in its options like its logger. `enabled` is false
 * unless an OTLP endpoint is configured (start-tracing.ts): the hot paths test it before doing
 * anything, so tracing off costs a boolean check.
 */
import { ProxyTracerProvider, type Tracer } from '@opentelemetry/api';

export interface Tracing {
  readonly enabled: boolean;
  readonly tracer: Tracer;
}

/** Tracing off: a no-op tracer (a proxy provider with no delegate), and every call site skips its span work. */
export function tracingOff(): Tracing {
  return { enabled: false, tracer: new ProxyTracerProvider().getTracer('herald') };
}
