/**
 * The event ids seen in the last `windowMs`, for dropping the copies every presence replica
 * emits. Each check is O(1): ids are remembered in arrival order, so forgetting walks only
 * the expired ones at the old end (a scan of every remembered id per event had made the
 * event loop lag grow with the webhook rate).
 */
import { Yallist } from 'yallist';

interface Sighting {
  readonly id: string;
  readonly atMs: number;
}

export class RecentIds {
  private readonly ids = new Set<string>();
  private readonly order = new Yallist<Sighting>();

  constructor(private readonly windowMs: number) {}

  /** True when `id` was seen within the window; otherwise remembers it (from `nowMs`) and returns false. */
  seen(id: string, nowMs: number): boolean {
    this.forgetBefore(nowMs - this.windowMs);
    if (this.ids.has(id)) return true;
    this.ids.add(id);
    this.order.push({ id, atMs: nowMs });
    return false;
  }

  /** How many ids are remembered. */
  get size(): number {
    return this.ids.size;
  }

  private forgetBefore(cutoffMs: number): void {
    for (let oldest = this.order.head; oldest && oldest.value.atMs <= cutoffMs; oldest = this.order.head) {
      this.ids.delete(oldest.value.id);
      this.order.shift();
    }
  }
}
