/**
 * How many events a publish request asked for, one per event per channel, as the publisher
 * would count them (channels de-duplicated), from whatever body it sent: the metrics count a
 * refused request by it too, and a body that cannot be read counts as one.
 */
export function requestedEvents(body: unknown, batch: boolean): number {
  if (typeof body !== 'object' || body === null) return 1;
  if (batch) {
    const items = (body as { batch?: unknown }).batch;
    return Array.isArray(items) && items.length > 0 ? items.length : 1;
  }
  const channels = (body as { channels?: unknown }).channels;
  return Array.isArray(channels) && channels.length > 0 ? new Set(channels).size : 1;
}
