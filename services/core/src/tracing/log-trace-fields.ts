/**
 * pino's mixin for tracing: a log line written while a span is active carries its `trace_id`
 * and `span_id`, so a log search finds the trace and the trace's logs are one query away.
 */
import { context, trace } from '@opentelemetry/api';

export function traceLogFields(): Record<string, string> {
  const span = trace.getSpan(context.active());
  if (!span) return {};
  const { traceId, spanId, traceFlags } = span.spanContext();
  return { trace_id: traceId, span_id: spanId, trace_flags: `0${traceFlags.toString(16)}` };
}
