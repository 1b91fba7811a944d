/**
 * The last event of each cache channel (`cache-`, `private-cache-`, `presence-cache-`,
 * `private-encrypted-cache-`), replayed to every new subscriber. Two implementations:
 * MemoryCacheStore (embedded) and JetStreamCacheStore (cluster: any gateway, and a
 * restarted one, sees what any api stored).
 */
export interface CachedEvent {
  readonly name: string;
  readonly data: string;
}

export interface CacheStore {
  /** The channel's last event, or undefined when there is none or it has expired. */
  get(appId: string, channel: string): Promise<CachedEvent | undefined>;
  set(appId: string, channel: string, event: CachedEvent, ttlSeconds: number): Promise<void>;
}

/** What a store keeps: the event and when it stops counting. */
export interface StoredEvent extends CachedEvent {
  readonly expiresAtMs: number;
}
