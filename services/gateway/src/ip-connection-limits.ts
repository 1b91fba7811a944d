/**
 * Per client address: how many WebSockets may be open at once, and how many may be accepted
 * in one second. Both 0 = no limit. Rates are counted in fixed one-second windows shared by
 * every address, so the table holds only the addresses seen in the current second; a
 * client may get up to twice the rate across a window boundary, never more.
 */
import type { Clock } from '../../core/src/clock';

export type IpRefusal = 'ip_connections' | 'ip_rate';

export interface IpLimits {
  readonly maxConnectionsPerIp: number;
  readonly maxConnectionRatePerIp: number;
}

const WINDOW_MS = 1000;

export class IpConnectionLimits {
  private readonly open = new Map<string, number>();
  private acceptedThisWindow = new Map<string, number>();
  private windowStartedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly limits: IpLimits,
    private readonly clock: Clock,
  ) {}

  /** Counts a new connection from `address` and returns null, or returns why it is refused (and counts nothing). */
  admit(address: string): IpRefusal | null {
    const { maxConnectionsPerIp, maxConnectionRatePerIp } = this.limits;
    const open = this.open.get(address) ?? 0;
    if (maxConnectionsPerIp > 0 && open >= maxConnectionsPerIp) return 'ip_connections';
    if (maxConnectionRatePerIp > 0) {
      const now = this.clock.now();
      if (now - this.windowStartedAt >= WINDOW_MS) {
        this.windowStartedAt = now;
        this.acceptedThisWindow = new Map();
      }
      const accepted = this.acceptedThisWindow.get(address) ?? 0;
      if (accepted >= maxConnectionRatePerIp) return 'ip_rate';
      this.acceptedThisWindow.set(address, accepted + 1);
    }
    if (maxConnectionsPerIp > 0) this.open.set(address, open + 1);
    return null;
  }

  /** A connection admit() counted has closed. */
  release(address: string): void {
    const open = this.open.get(address);
    if (open === undefined) return;
    if (open > 1) this.open.set(address, open - 1);
    else this.open.delete(address);
  }

  /** Addresses with open connections counted (for tests and metrics). */
  trackedAddresses(): number {
    return this.open.size;
  }
}
