/** CacheStore in process memory, for embedded mode. Expired entries are dropped when read or swept. */
import type { Clock } from '../clock';
import type { CachedEvent, CacheStore, StoredEvent } from './cache-store';

export class MemoryCacheStore implements CacheStore {
  private readonly entries = new Map<string, StoredEvent>();
  private writesSinceSweep = 0;

  constructor(private readonly clock: Clock) {}

  async get(appId: string, channel: string): Promise<CachedEvent | undefined> {
    const key = `${appId}\u0000${channel}`;
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAtMs <= this.clock.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return { name: entry.name, data: entry.data };
  }

  async set(appId: string, channel: string, event: CachedEvent, ttlSeconds: number): Promise<void> {
    this.entries.set(`${appId}\u0000${channel}`, { name: event.name, data: event.data, expiresAtMs: this.clock.now() + ttlSeconds * 1000 });
    // Channels nobody reads again would otherwise stay forever.
    if (++this.writesSinceSweep >= 1000) this.sweep();
  }

  private sweep(): void {
    this.writesSinceSweep = 0;
    const now = this.clock.now();
    for (const [key, entry] of this.entries) if (entry.expiresAtMs <= now) this.entries.delete(key);
  }
}
