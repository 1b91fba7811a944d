/**
 * The contract every AppStore implementation passes: the rules written in app-store.ts, run
 * by static-app-store.test.ts (an apps file) and postgres-app-store.integration.test.ts (a real
 * PostgreSQL). Each case fills a fresh source with apps and opens a store on it the way
 * Herald does at start-up (loadConfig, then openAppStore), so the choice of implementation
 * is part of what is proven.
 *
 * Where the implementations differ by design, the source says which way it goes: a file is
 * refused as a whole for one invalid entry and read once, a table skips the entry and is
 * followed while Herald runs.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ConfigError } from '../config/config-error';
import type { AppStore } from './app-store';

/** An app as its source holds it: the fields of an app in the apps file. */
export type AppEntry = { readonly id: string; readonly key: string; readonly secret: string } & Readonly<Record<string, unknown>>;

export interface AppSource {
  /** Fills a fresh source with `entries` and opens a store on it; rejects as Herald's start-up would. */
  open(entries: readonly AppEntry[]): Promise<AppStore>;
  /** For a store that follows its source: edits it while the store runs. Absent: read once. */
  readonly changes?: {
    /** Replaces every entry of the source (in one transaction where the source has them). */
    replace(entries: readonly AppEntry[]): Promise<void>;
    /** Opens one more store on the source as it is now. */
    reopen(): Promise<AppStore>;
  };
  /** `skipped`: the store opens without an invalid entry and reports it; `refused`: open fails naming it. */
  readonly invalidEntries: 'skipped' | 'refused';
  /** What the store has reported about skipped entries (its log lines). */
  reports(): string[];
  /** Connections the stores of this source hold open now, for a source reached over a network. */
  connections?(): Promise<number>;
  /** Part of the source's address that `source` must never show (a database password). */
  readonly password?: string;
  /** Closes every store this source opened and removes the source. */
  cleanup(): Promise<void>;
}

const WAIT_MS = 5000;

/** Waits, without a fixed sleep, for a store that follows its source to show a change. */
async function eventually(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${WAIT_MS} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const SHOP: AppEntry = { id: 'shop', key: 'shop-key', secret: 'shop-secret', name: 'Shop', clientEvents: false, limits: { maxPresenceMembers: 7 } };
const BLOG: AppEntry = { id: 'blog', key: 'blog-key', secret: 'blog-secret', enabled: false };
const BROKEN: AppEntry = { id: 'broken', key: 'broken-key', secret: 'broken-secret', limits: { maxPresenceMembers: 'lots' } };

export function appStoreContract(name: string, makeSource: () => Promise<AppSource>): void {
  describe(`AppStore contract: ${name}`, () => {
    let source: AppSource;

    beforeEach(async () => {
      source = await makeSource();
    });
    afterEach(() => source.cleanup());

    it('loads every app of the source at open, found by id and by key, with the defaults of the apps file', async () => {
      const store = await source.open([SHOP, BLOG]);
      const { registry } = store;
      assert.deepEqual(
        registry
          .all()
          .map((a) => a.id)
          .sort(),
        ['blog', 'shop'],
      );
      const shop = registry.byId('shop');
      assert.equal(registry.byKey('shop-key'), shop);
      assert.deepEqual([shop?.secret, shop?.name, shop?.clientEvents, shop?.enabled], ['shop-secret', 'Shop', false, true]);
      assert.equal(shop?.limits.maxPresenceMembers, 7);
      assert.equal(shop?.limits.maxEventPayloadBytes, 10240, 'a limit left out has its default');
      assert.equal(registry.byKey('blog-key')?.enabled, false, 'a disabled app is loaded, as disabled');
      assert.deepEqual(registry.byId('blog')?.webhooks, []);
    });

    it('knows no other id or key: a key is not an id, an id is not a key', async () => {
      const { registry } = await source.open([SHOP]);
      assert.equal(registry.byId('nope'), undefined);
      assert.equal(registry.byKey('nope'), undefined);
      assert.equal(registry.byId('shop-key'), undefined);
      assert.equal(registry.byKey('shop'), undefined);
    });

    it('names where its apps come from, without a password', async () => {
      const store = await source.open([SHOP]);
      assert.ok(store.source.length > 0);
      if (source.password) assert.ok(!store.source.includes(source.password), store.source);
    });

    it('never serves an invalid entry, and reports it naming the field', async () => {
      if (source.invalidEntries === 'skipped') {
        const { registry } = await source.open([SHOP, BROKEN]);
        assert.deepEqual(
          registry.all().map((a) => a.id),
          ['shop'],
        );
        assert.equal(registry.byKey('broken-key'), undefined);
        const reports = source.reports().filter((line) => line.includes('"broken"'));
        assert.equal(reports.length, 1, String(source.reports()));
        assert.match(reports[0], /limits\.maxPresenceMembers/);
      } else {
        await assert.rejects(source.open([SHOP, BROKEN]), (err: unknown) => {
          assert.ok(err instanceof ConfigError, String(err));
          assert.ok(
            err.problems.some((p) => /limits\.maxPresenceMembers/.test(p)),
            String(err.problems),
          );
          return true;
        });
      }
    });

    it('refuses to open a source without a valid app', async () => {
      for (const entries of [[], [BROKEN]]) {
        await assert.rejects(source.open(entries), (err: unknown) => err instanceof ConfigError, `${entries.length} entries`);
      }
    });

    it('applies changes in place: an app added, changed, given a new key, disabled, removed', async (t) => {
      const changes = source.changes;
      if (!changes) {
        t.skip('reads its source once, at start-up');
        return;
      }
      const store = await source.open([SHOP, BLOG]);
      const { registry } = store;
      await changes.replace([
        { id: 'shop', key: 'shop-new-key', secret: 'shop-secret', enabled: false },
        { id: 'news', key: 'news-key', secret: 'n' },
      ]);
      await eventually(() => registry.byKey('news-key') !== undefined && registry.byId('blog') === undefined, 'the change');
      assert.equal(store.registry, registry, 'the same registry object, updated in place');
      assert.equal(registry.byKey('shop-key'), undefined, 'the old key is unknown');
      const shop = registry.byKey('shop-new-key');
      assert.deepEqual([shop?.id, shop?.enabled, shop?.clientEvents, shop?.name], ['shop', false, true, undefined], 'fields left out are back to their defaults');
      assert.equal(shop?.limits.maxPresenceMembers, 100);
      assert.deepEqual(
        registry
          .all()
          .map((a) => a.id)
          .sort(),
        ['news', 'shop'],
      );
    });

    it('drops an app whose entry turns invalid, reports it, and takes it back once repaired', async (t) => {
      const changes = source.changes;
      if (!changes) {
        t.skip('reads its source once, at start-up');
        return;
      }
      const { registry } = await source.open([SHOP, BLOG]);
      await changes.replace([SHOP, { ...BLOG, limits: { maxPresenceMembers: 'lots' } }]);
      await eventually(() => registry.byId('blog') === undefined, 'the invalid app to go');
      assert.ok(registry.byId('shop'), 'the other app goes on');
      assert.ok(
        source.reports().some((line) => line.includes('"blog"') && /limits\.maxPresenceMembers/.test(line)),
        String(source.reports()),
      );
      await changes.replace([SHOP, BLOG]);
      await eventually(() => registry.byId('blog') !== undefined, 'the repaired app');
    });

    it('close(): the registry keeps its last apps, connections are released, closing twice is harmless, later changes are not applied', async () => {
      const store = await source.open([SHOP]);
      const connections = source.connections;
      if (connections) assert.ok((await connections()) > 0, 'an open store holds a connection');
      await store.close();
      await store.close();
      assert.equal(store.registry.byKey('shop-key')?.id, 'shop');
      // The server notices a closed connection a moment after the client.
      if (connections) await eventually(async () => (await connections()) === 0, 'no connection left');
      if (source.changes) {
        await source.changes.replace([BLOG]);
        // A store opened now sees the change: a closed one still following would too, soon.
        const fresh = await source.changes.reopen();
        assert.ok(fresh.registry.byId('blog'));
        assert.deepEqual(
          store.registry.all().map((a) => a.id),
          ['shop'],
        );
      }
    });
  });
}
