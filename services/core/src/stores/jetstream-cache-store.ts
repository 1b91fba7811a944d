/**
 * CacheStore in a JetStream key-value bucket, shared by every gateway and api of a cluster.
 * Keys are `<app>.<base64url(channel)>` (KV keys allow fewer characters than channel names);
 * values carry their own expiry because TTLs are per app, and the bucket's max age bounds
 * what is kept at all.
 */
import type { KV, NatsConnection } from 'nats';
import type { Clock } from '../clock';
import type { CachedEvent, CacheStore, StoredEvent } from './cache-store';

const CACHE_BUCKET = 'herald_cache';
const BUCKET_MAX_AGE_MS = 24 * 60 * 60 * 1000;

function key(appId: string, channel: string): string {
  return `${appId}.${Buffer.from(channel, 'utf8').toString('base64url')}`;
}

export class JetStreamCacheStore implements CacheStore {
  private constructor(
    private readonly kv: KV,
    private readonly clock: Clock,
  ) {}

  static async open(nc: NatsConnection, clock: Clock): Promise<JetStreamCacheStore> {
    const kv = await nc.jetstream().views.kv(CACHE_BUCKET, { history: 1, ttl: BUCKET_MAX_AGE_MS });
    return new JetStreamCacheStore(kv, clock);
  }

  async get(appId: string, channel: string): Promise<CachedEvent | undefined> {
    const entry = await this.kv.get(key(appId, channel));
    if (entry?.operation !== 'PUT' || entry.value.length === 0) return undefined;
    const stored = JSON.parse(Buffer.from(entry.value).toString('utf8')) as StoredEvent;
    if (stored.expiresAtMs <= this.clock.now()) return undefined;
    return { name: stored.name, data: stored.data };
  }

  async set(appId: string, channel: string, event: CachedEvent, ttlSeconds: number): Promise<void> {
    const stored: StoredEvent = { name: event.name, data: event.data, expiresAtMs: this.clock.now() + ttlSeconds * 1000 };
    await this.kv.put(key(appId, channel), Buffer.from(JSON.stringify(stored)));
  }
}
