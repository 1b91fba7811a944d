/**
 * The last event of each cache channel (`cache-`, `private-cache-`, `presence-cache-`,
 * `private-encrypted-cache-`), replayed to every new subscriber. Two implementations:
 * MemoryCacheStore (embedded) and JetStreamCacheStore (cluster: any gateway, and a
 * restarted one, sees what any api stored).
 *
 * Rules (cache-store-contract.ts runs them against both):
 * - Only the last event of a channel is kept; apps and channels are apart; any legal channel
 *   name is a key.
 * - An event counts for `ttlSeconds` after the set that stored it, judged by the store's
 *   clock; from then on `get` answers undefined.
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
