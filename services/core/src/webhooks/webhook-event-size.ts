/** What a queued webhook event costs in memory, roughly, for byte budgets. */
import type { QueuedEvent } from './webhook-queue';

/**
 * Per event besides its text: the event object, the queue's bookkeeping and its retry timer
 * (measured: 100,000 member_added events waiting to retry grew the heap ~990 bytes each, ~70
 * of them their text).
 */
const BOOKKEEPING_BYTES = 900;

export function approximateEventBytes(event: QueuedEvent): number {
  // String lengths, not byte lengths: O(1), and what V8 stores for the usual Latin-1 text.
  return (
    BOOKKEEPING_BYTES +
    event.id.length +
    event.appId.length +
    event.name.length +
    event.channel.length +
    event.userId.length +
    event.event.length +
    event.data.length +
    event.socketId.length
  );
}
