/**
 * The ids of the events this gateway handled lately, so that a replay after a bus outage
 * (gap-recovery.ts) delivers only what was missed.
 *
 * On the hot path this is one array store per event: the ids live in a ring and nothing is
 * hashed. Only while a replay runs are they put in a Set, and live events are checked
 * against it too (a replayed event may also arrive live once the subscription is back). The
 * ring holds the last `capacity` ids: under a heavier load than that over the look-back
 * window, a replay can repeat an event, but it never drops one.
 */
const DEFAULT_RECENT_EVENT_IDS = 1 << 17;

export class RecentEventIds {
  private readonly ring: Array<string | undefined>;
  private next = 0;
  /** Set while a replay runs: every id handled since it began, and the ring's. */
  private replaying: Set<string> | undefined;

  constructor(private readonly capacity = DEFAULT_RECENT_EVENT_IDS) {
    this.ring = new Array(capacity);
  }

  /** Records the id; false when the event was handled already (drop it). */
  firstSighting(id: string): boolean {
    if (this.replaying) {
      if (this.replaying.has(id)) return false;
      this.replaying.add(id);
    }
    this.ring[this.next] = id;
    this.next = this.next + 1 === this.capacity ? 0 : this.next + 1;
    return true;
  }

  /** From now until `endReplay`, every id is checked against everything recorded. */
  beginReplay(): void {
    if (this.replaying) return;
    this.replaying = new Set();
    for (const id of this.ring) if (id !== undefined) this.replaying.add(id);
  }

  endReplay(): void {
    this.replaying = undefined;
  }
}
