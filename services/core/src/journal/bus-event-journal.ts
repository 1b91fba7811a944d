/**
 * The journal that keeps nothing: publish on the bus, then a round trip (`flush`) so the
 * answer comes only after the bus has the events. Embedded mode uses it (the in-process
 * bus cannot lose a subscriber), and cluster mode when the journal is turned off
 * (HERALD_EVENT_JOURNAL=off), trading the replay guarantee for the cost of storing events.
 */
import type { Bus } from '../bus/bus';
import type { EventJournal, JournalEntry } from './event-journal';

export class BusEventJournal implements EventJournal {
  constructor(private readonly bus: Bus) {}

  async publish(entries: readonly JournalEntry[], timeoutMs: number): Promise<void> {
    for (const entry of entries) this.bus.publish(entry.subject, entry.data);
    await this.bus.flush(timeoutMs);
  }
}
