/** When each gateway's lease runs out. A gateway that stops renewing is treated as dead. */
import type { Clock } from '../../core/src/clock';

export class LeaseTable {
  private readonly expiries = new Map<string, number>();

  constructor(private readonly clock: Clock) {}

  renew(gatewayId: string, ttlMs: number): void {
    this.expiries.set(gatewayId, this.clock.now() + ttlMs);
  }

  has(gatewayId: string): boolean {
    return this.expiries.has(gatewayId);
  }

  forget(gatewayId: string): void {
    this.expiries.delete(gatewayId);
  }

  /** Gives every known gateway a fresh TTL (after this replica itself was cut off). */
  renewAll(ttlMs: number): void {
    for (const gatewayId of this.expiries.keys()) this.renew(gatewayId, ttlMs);
  }

  /** Removes and returns the gateways whose lease has run out. */
  takeExpired(): string[] {
    const now = this.clock.now();
    const expired: string[] = [];
    for (const [gatewayId, expiresAt] of this.expiries) {
      if (expiresAt <= now) expired.push(gatewayId);
    }
    for (const gatewayId of expired) this.expiries.delete(gatewayId);
    return expired;
  }
}
