/**
 * Max connections per app across the whole cluster. Presence broadcasts every gateway's
 * connection counts; a gateway adds its own live count to the others' last known counts.
 * Between broadcasts the others' counts can be a moment stale — the limit can be overshot
 * by what other gateways accept in that moment, never by this gateway.
 */
import type { Bus, BusSubscription } from '../../core/src/bus/bus';
import { subjects } from '../../core/src/bus/subjects';
import { ConnectionTotals } from '../../core/src/codec/messages';

export class ConnectionQuota {
  private readonly local = new Map<string, number>();
  private others = new Map<string, number>();
  private subscription: BusSubscription | undefined;

  constructor(
    private readonly bus: Bus,
    private readonly gatewayId: string,
  ) {}

  start(): void {
    this.subscription = this.bus.subscribe(subjects.connectionTotals, (msg) => {
      const totals = ConnectionTotals.decode(msg.data);
      const others = new Map<string, number>();
      for (const entry of totals.entries) {
        if (entry.gatewayId === this.gatewayId) continue;
        others.set(entry.appId, (others.get(entry.appId) ?? 0) + entry.count);
      }
      this.others = others;
    });
  }

  stop(): void {
    this.subscription?.unsubscribe();
  }

  /** Whether one more connection fits under `limit` (0 = unlimited). */
  admits(appId: string, limit: number): boolean {
    if (limit <= 0) return true;
    return this.localCount(appId) + (this.others.get(appId) ?? 0) < limit;
  }

  localCount(appId: string): number {
    return this.local.get(appId) ?? 0;
  }

  /** Returns the new local count. */
  change(appId: string, delta: number): number {
    const count = this.localCount(appId) + delta;
    if (count > 0) this.local.set(appId, count);
    else this.local.delete(appId);
    return count;
  }
}
