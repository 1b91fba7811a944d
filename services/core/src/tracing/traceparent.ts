/**
 * The W3C `traceparent` an event carries on the bus (Event.traceparent): version-traceid-spanid-flags.
 * Read without the OpenTelemetry API so the hot path can ask "is this event sampled?" for the
 * price of a string check.
 */

/** The trace id of a sampled traceparent, or undefined (none, malformed, or not sampled). */
export function sampledTraceId(traceparent: string): string | undefined {
  // 00-<32 hex>-<16 hex>-<2 hex flags>; bit 0 of the flags is "sampled".
  if (traceparent.length !== 55 || traceparent.charCodeAt(2) !== 45 /* - */) return undefined;
  const flags = Number.parseInt(traceparent.slice(53), 16);
  if (!(flags & 1)) return undefined;
  return traceparent.slice(3, 35);
}
