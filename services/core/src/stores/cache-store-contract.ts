/**
 * The contract every CacheStore implementation passes: the rules written in cache-store.ts,
 * run by memory-cache-store.test.ts and jetstream-cache-store.integration.test.ts. `store` writes and
 * `peer` reads (one instance in memory; two NATS connections for JetStream), so what is
 * proven is that a gateway sees what an api stored.
 *
 * Time is the injected ManualClock: both implementations judge expiry by it. What is
 * implementation-specific stays out: the JetStream bucket's own max age (24 h, enforced by
 * the server, a bound on what is kept at all, not an app's TTL) and the memory store's sweep
 * of entries nobody reads again (invisible through the interface).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { ManualClock } from '../manual-clock';
import type { CacheStore } from './cache-store';

export interface CacheStorePair {
  /** Stores events (the api's side). */
  readonly store: CacheStore;
  /** Reads them (a gateway's side); the same instance as `store` for an in-process store. */
  readonly peer: CacheStore;
  /** The clock both judge expiry by. */
  readonly clock: ManualClock;
  cleanup(): Promise<void>;
}

export function cacheStoreContract(name: string, makeStores: () => Promise<CacheStorePair>): void {
  describe(`CacheStore contract: ${name}`, () => {
    let pair: CacheStorePair;
    let store: CacheStore;
    let peer: CacheStore;
    let clock: ManualClock;
    /** A fresh app id per test, so nothing an earlier test stored can count. */
    let app: string;

    beforeEach(async () => {
      pair = await makeStores();
      ({ store, peer, clock } = pair);
      app = `app-${randomUUID().slice(0, 8)}`;
    });
    afterEach(() => pair.cleanup());

    it('has nothing for a channel that was never set', async () => {
      assert.equal(await peer.get(app, 'cache-empty'), undefined);
    });

    it('returns the stored event, name and data as they were, to the other side', async () => {
      await store.set(app, 'cache-news', { name: 'headline', data: '{"title":"Grüße 👋","n":1}' }, 60);
      assert.deepEqual(await peer.get(app, 'cache-news'), { name: 'headline', data: '{"title":"Grüße 👋","n":1}' });
    });

    it('keeps only the last event of a channel', async () => {
      for (const n of [1, 2, 3]) await store.set(app, 'cache-scores', { name: 'score', data: String(n) }, 60);
      assert.deepEqual(await peer.get(app, 'cache-scores'), { name: 'score', data: '3' });
    });

    it('keeps apps and channels apart', async () => {
      const other = `${app}-other`;
      await store.set(app, 'cache-a', { name: 'e', data: 'app a' }, 60);
      await store.set(app, 'cache-b', { name: 'e', data: 'app b' }, 60);
      await store.set(other, 'cache-a', { name: 'e', data: 'other a' }, 60);
      assert.equal((await peer.get(app, 'cache-a'))?.data, 'app a');
      assert.equal((await peer.get(app, 'cache-b'))?.data, 'app b');
      assert.equal((await peer.get(other, 'cache-a'))?.data, 'other a');
      assert.equal(await peer.get(other, 'cache-b'), undefined);
    });

    it('takes any legal channel name, including dots, the other legal symbols and 200 characters', async () => {
      const channels = ['private-cache-App.User.1', 'presence-cache-room_1-=@,.;', 'private-encrypted-cache-x', `cache-${'x'.repeat(194)}`, 'cache-App.User', 'cache-App-User'];
      for (const [i, channel] of channels.entries()) await store.set(app, channel, { name: 'e', data: String(i) }, 60);
      for (const [i, channel] of channels.entries()) assert.equal((await peer.get(app, channel))?.data, String(i), channel);
    });

    it('keeps a payload of the size Pusher allows (10 KB) intact', async () => {
      const data = JSON.stringify({ blob: 'é'.repeat(5000) });
      await store.set(app, 'cache-big', { name: 'big', data }, 60);
      assert.equal((await peer.get(app, 'cache-big'))?.data, data);
    });

    it('forgets an event once its TTL has passed, by the clock', async () => {
      await store.set(app, 'cache-ttl', { name: 'e', data: 'short-lived' }, 10);
      clock.advance(9_999);
      assert.equal((await peer.get(app, 'cache-ttl'))?.data, 'short-lived', 'still there 1 ms before the TTL');
      clock.advance(1);
      assert.equal(await peer.get(app, 'cache-ttl'), undefined, 'gone at the TTL');
      assert.equal(await store.get(app, 'cache-ttl'), undefined);
    });

    it("counts the TTL from the last set, with that set's TTL, per channel", async () => {
      await store.set(app, 'cache-renewed', { name: 'e', data: 'first' }, 10);
      await store.set(app, 'cache-long', { name: 'e', data: 'long' }, 60);
      clock.advance(8_000);
      await store.set(app, 'cache-renewed', { name: 'e', data: 'second' }, 5);
      clock.advance(4_000);
      assert.equal((await peer.get(app, 'cache-renewed'))?.data, 'second', '12 s after the first set, 4 s after the second');
      clock.advance(1_000);
      assert.equal(await peer.get(app, 'cache-renewed'), undefined, "the second set's 5 s are over");
      assert.equal((await peer.get(app, 'cache-long'))?.data, 'long', 'another channel keeps its own TTL');
    });

    it('caches again after an expiry', async () => {
      await store.set(app, 'cache-again', { name: 'e', data: 'old' }, 1);
      clock.advance(1_000);
      assert.equal(await peer.get(app, 'cache-again'), undefined);
      await store.set(app, 'cache-again', { name: 'e', data: 'new' }, 1);
      assert.equal((await peer.get(app, 'cache-again'))?.data, 'new');
    });
  });
}
