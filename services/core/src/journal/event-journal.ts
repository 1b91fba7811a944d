/**
 * How the api publishes events it answers 200 for, and how a gateway gets back what it
 * missed while it was cut off from the bus.
 *
 * - `publish` resolves only once every entry is safe: on the in-process bus that means
 *   published (no subscriber can be cut off from it); on NATS with the journal on, stored in
 *   the HERALD_EVENTS JetStream stream, from which any gateway can replay it.
 * - `replay` is there only when entries are kept. A gateway that lost its bus connection
 *   replays, after re-subscribing, everything stored since shortly before it was cut off and
 *   drops what it had already delivered (gateway/src/recent-event-ids.ts).
 */

export interface JournalEntry {
  readonly subject: string;
  readonly data: Uint8Array;
}

export interface EventJournal {
  publish(entries: readonly JournalEntry[], timeoutMs: number): Promise<void>;
  readonly replay?: JournalReplay;
}

export interface JournalReplay {
  /** Entries are kept this long; a gap that starts further back cannot be replayed whole. */
  readonly retentionMs: number;
  /**
   * Hands every entry on `subjects` (every subject when undefined) stored at or after
   * `sinceMs`, up to the newest stored when the call began, to `onEntry` in stored order.
   * Resolves with how many were handed over.
   */
  replaySince(sinceMs: number, subjects: readonly string[] | undefined, onEntry: (entry: JournalEntry) => void): Promise<number>;
}
