/**
 * Every presence replica emits the same member_added/member_removed with the same id; a
 * gateway delivers the first copy and drops the rest. Ids are remembered for one to two
 * rotation periods in two generations, so memory stays bounded without per-id timers.
 */
import type { Clock } from '../../core/src/clock';

export class ReplicatedEventFilter {
  private current = new Set<string>();
  private previous = new Set<string>();
  private rotatedAt: number;

  constructor(
    private readonly clock: Clock,
    private readonly rotationMs = 30_000,
  ) {
    this.rotatedAt = clock.now();
  }

  /** True the first time an id is seen (deliver it), false for a repeat. */
  firstSighting(id: string): boolean {
    const now = this.clock.now();
    const elapsed = now - this.rotatedAt;
    if (elapsed >= this.rotationMs) {
      // Rotation is lazy: after a quiet spell of two periods the current generation is stale too.
      this.previous = elapsed >= 2 * this.rotationMs ? new Set() : this.current;
      this.current = new Set();
      this.rotatedAt = now;
    }
    if (this.current.has(id) || this.previous.has(id)) return false;
    this.current.add(id);
    return true;
  }
}
