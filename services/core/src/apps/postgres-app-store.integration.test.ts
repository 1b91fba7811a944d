/**
 * Apps from PostgreSQL: the `postgres://` form of --apps / HERALD_APPS_FILE, and the store
 * against a real PostgreSQL started for this file (test/helpers/postgres.ts): schema
 * creation, start-up failures, NOTIFY, the periodic fallback, a read-only role, and a
 * database that goes away and comes back; and the AppStore contract on the same server.
 * Row validation: postgres-app-rows.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client } from 'pg';
import { captureLogs } from '../../../../test/helpers/log-capture';
import { type PostgresServer, startPostgres } from '../../../../test/helpers/postgres';
import { waitFor } from '../../../../test/helpers/wait';
import { ConfigError } from '../config/config-error';
import { loadConfig } from '../config/load-config';
import { AppRegistry } from './app-registry';
import type { AppStore } from './app-store';
import { type AppEntry, appStoreContract } from './app-store-contract';
import { openAppStore } from './open-app-store';
import { PostgresAppStore } from './postgres-app-store';
import { APPS_SCHEMA_SQL } from './postgres-apps-schema';

describe('loadConfig: apps from PostgreSQL', () => {
  const URL = 'postgres://herald:s3cret@db.example.com:5432/herald';

  it('takes a postgres:// URL in --apps or HERALD_APPS_FILE as the apps database, never showing the password', () => {
    for (const input of [{ env: {}, appsFile: URL }, { env: { HERALD_APPS_FILE: URL } }, { env: { HERALD_APPS_FILE: URL.replace('postgres:', 'postgresql:') } }]) {
      const config = loadConfig(input);
      assert.match(config.appsDatabaseUrl ?? '', /^postgres(ql)?:\/\/herald:s3cret@db\.example\.com:5432\/herald$/);
      assert.deepEqual(config.apps, [], 'apps are loaded at start-up, not by loadConfig');
      assert.match(config.appsSource, /^PostgreSQL postgres(ql)?:\/\/herald:\*\*\*@db\.example\.com:5432\/herald \(table herald_apps\)$/);
      assert.equal(config.server.appsRefreshMs, 10_000);
    }
  });

  it('reads HERALD_APPS_REFRESH_MS and names it when bad', () => {
    assert.equal(loadConfig({ env: { HERALD_APPS_FILE: URL, HERALD_APPS_REFRESH_MS: '2500' } }).server.appsRefreshMs, 2500);
    assert.throws(
      () => loadConfig({ env: { HERALD_APPS_FILE: URL, HERALD_APPS_REFRESH_MS: 'often' } }),
      (err: unknown) => err instanceof ConfigError && err.problems.length === 1 && /^HERALD_APPS_REFRESH_MS: /.test(err.problems[0]),
    );
  });

  it('names the flag or variable of a URL without a database, and refuses HERALD_APP_* beside it without the password', () => {
    assert.throws(
      () => loadConfig({ env: {}, appsFile: 'postgres://u:p@db:5432' }),
      (err: unknown) => err instanceof ConfigError && /^--apps: the postgres:\/\/ URL names no database/.test(err.problems[0]),
    );
    assert.throws(
      () => loadConfig({ env: { HERALD_APPS_FILE: 'postgres://u:p@db:5432/' } }),
      (err: unknown) => err instanceof ConfigError && /^HERALD_APPS_FILE: the postgres:\/\/ URL names no database/.test(err.problems[0]),
    );
    assert.throws(
      () => loadConfig({ env: { HERALD_APPS_FILE: URL, HERALD_APP_KEY: 'k' } }),
      (err: unknown) => err instanceof ConfigError && /^HERALD_APP_KEY: not used when an apps file is given/.test(err.problems[0]) && !err.message.includes('s3cret'),
    );
  });
});

let pg: PostgresServer;
before(async () => {
  pg = await startPostgres();
});
after(() => pg?.stop());

/** The entry's fields as a row: the columns, and the rest in `config`. */
function rowOf({ id, key, secret, enabled, ...config }: AppEntry): unknown[] {
  return [id, key, secret, enabled ?? true, JSON.stringify(config)];
}

async function replaceRows(url: string, entries: readonly AppEntry[]): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('BEGIN');
    await client.query('DELETE FROM herald_apps');
    for (const entry of entries) await client.query('INSERT INTO herald_apps (id, key, secret, enabled, config) VALUES ($1, $2, $3, $4, $5)', rowOf(entry));
    await client.query('COMMIT');
  } finally {
    await client.end();
  }
}

let contractDatabases = 0;
appStoreContract('PostgresAppStore (a real PostgreSQL, through loadConfig and openAppStore)', async () => {
  const logs = captureLogs();
  const stores: AppStore[] = [];
  let url = '';
  let database = '';
  const openOn = async (databaseUrl: string) => {
    const store = await openAppStore(loadConfig({ env: {}, appsFile: databaseUrl }), logs.logger);
    stores.push(store);
    return store;
  };
  return {
    async open(entries) {
      database = `contract_${++contractDatabases}`;
      url = await pg.createDatabase(database);
      await pg.query(database, APPS_SCHEMA_SQL);
      await replaceRows(url, entries);
      return openOn(url);
    },
    changes: {
      replace: (entries) => replaceRows(url, entries),
      reopen: () => openOn(url),
    },
    invalidEntries: 'skipped',
    reports: () => logs.matching(/^skipping bad herald_apps row/).map((line) => line.msg),
    // The store's pool and its LISTEN connection (by their application_name).
    connections: async () =>
      (await pg.query<{ n: number }>('postgres', "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND application_name LIKE 'herald%'", [database])).rows[0].n,
    password: pg.password,
    cleanup: async () => {
      for (const store of stores) await store.close();
    },
  };
});

describe('PostgresAppStore against PostgreSQL', () => {
  const stores: PostgresAppStore[] = [];
  let databases = 0;

  /** A fresh database, with the table (and trigger) when `withTable`. */
  async function database(withTable = true): Promise<{ url: string; name: string; sql: (text: string, params?: unknown[]) => Promise<unknown[]> }> {
    const name = `store_${++databases}`;
    const url = await pg.createDatabase(name);
    const sql = async (text: string, params?: unknown[]) => (await pg.query(name, text, params)).rows;
    if (withTable) await sql(APPS_SCHEMA_SQL);
    return { url, name, sql };
  }

  async function open(url: string, options: { refreshMs?: number; registry?: AppRegistry } = {}) {
    const logs = captureLogs('debug');
    const store = await PostgresAppStore.open({
      url,
      logger: logs.logger,
      refreshMs: options.refreshMs ?? 60_000,
      registry: options.registry,
      reconnectBackoff: { initialMs: 100, multiplier: 2, maxMs: 200, jitter: 0 },
    });
    stores.push(store);
    return { store, logs };
  }

  after(async () => {
    for (const store of stores) await store.close();
  });

  it('creates the table and its NOTIFY trigger on an empty database, then refuses to start without a valid app', async () => {
    const db = await database(false);
    const logs = captureLogs();
    await assert.rejects(PostgresAppStore.open({ url: db.url, logger: logs.logger, refreshMs: 60_000 }), (err: unknown) => {
      assert.ok(err instanceof ConfigError, String(err));
      assert.match(err.problems[0], /^apps database postgres:\/\/herald_test:\*\*\*@127\.0\.0\.1:\d+\/store_\d+: no valid app in table herald_apps \(0 rows\)$/);
      return true;
    });
    const columns = await db.sql("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'herald_apps' ORDER BY ordinal_position");
    assert.deepEqual(columns, [
      { column_name: 'id', data_type: 'text' },
      { column_name: 'key', data_type: 'text' },
      { column_name: 'secret', data_type: 'text' },
      { column_name: 'enabled', data_type: 'boolean' },
      { column_name: 'config', data_type: 'jsonb' },
    ]);
    assert.deepEqual(await db.sql("SELECT tgname FROM pg_trigger WHERE tgrelid = 'herald_apps'::regclass AND NOT tgisinternal"), [{ tgname: 'herald_apps_notify' }]);
  });

  it('lets several processes create the schema at once (advisory lock), and names bad rows when none is valid', async () => {
    const db = await database(false);
    const results = await Promise.allSettled([1, 2, 3].map(() => PostgresAppStore.open({ url: db.url, logger: captureLogs().logger, refreshMs: 60_000 })));
    for (const result of results) {
      assert.equal(result.status, 'rejected');
      assert.match(String((result as PromiseRejectedResult).reason), /no valid app in table herald_apps/);
    }
    await db.sql(`INSERT INTO herald_apps (id, key, secret, config) VALUES ('only', 'only-key', 's', '{"limits": {"maxConnections": -1}}')`);
    await assert.rejects(PostgresAppStore.open({ url: db.url, logger: captureLogs().logger, refreshMs: 60_000 }), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.problems[0], /no valid app in table herald_apps \(1 row\)/);
      assert.match(err.problems[1], /^herald_apps row "only": config\.limits\.maxConnections: /);
      return true;
    });
  });

  it('fails at start-up, without the password, when the database cannot be reached', async () => {
    const started = Date.now();
    const url = pg.url('nope').replace(`:${pg.port}/`, ':1/');
    await assert.rejects(PostgresAppStore.open({ url, logger: captureLogs().logger, refreshMs: 60_000, timeoutMs: 3000 }), (err: unknown) => {
      const message = (err as Error).message;
      assert.match(message, /^apps database postgres:\/\/herald_test:\*\*\*@127\.0\.0\.1:1\/nope: /);
      assert.ok(!message.includes(pg.password), message);
      return true;
    });
    assert.ok(Date.now() - started < 10_000);
  });

  it('loads valid rows, logs and skips bad ones, and follows inserts, updates and deletes through NOTIFY', async () => {
    const db = await database();
    await db.sql(`INSERT INTO herald_apps (id, key, secret, enabled, config) VALUES
      ('one', 'one-key', 'one-secret', true, '{"name": "One", "limits": {"maxPresenceMembers": 7}}'),
      ('broken', 'broken-key', 'b', true, '{"limits": {"maxPresenceMembers": "lots"}}')`);
    const registry = new AppRegistry([]);
    const { store, logs } = await open(db.url, { refreshMs: 60_000, registry });
    assert.equal(store.registry, registry, 'the store fills the registry it was given');
    assert.deepEqual(
      registry.all().map((a) => a.id),
      ['one'],
    );
    assert.equal(registry.byKey('one-key')?.limits.maxPresenceMembers, 7);
    assert.match(store.problems().get('broken') ?? '', /config\.limits\.maxPresenceMembers/);
    assert.equal(logs.matching(/skipping bad herald_apps row "broken": config\.limits\.maxPresenceMembers/).length, 1);

    // The periodic reload is a minute away: these changes can only arrive by NOTIFY.
    await db.sql(`INSERT INTO herald_apps (id, key, secret) VALUES ('two', 'two-key', 'two-secret')`);
    await waitFor(() => registry.byKey('two-key'), 'the inserted app', 2000);
    await db.sql(`UPDATE herald_apps SET enabled = false, config = '{"clientEvents": false}' WHERE id = 'one'`);
    await waitFor(() => registry.byId('one')?.enabled === false, 'the disabled app', 2000);
    assert.equal(registry.byId('one')?.clientEvents, false);
    assert.equal(registry.byId('one')?.limits.maxPresenceMembers, 100, 'a field left out of config is back to its default');
    await db.sql(`UPDATE herald_apps SET key = 'two-new-key' WHERE id = 'two'`);
    await waitFor(() => registry.byKey('two-new-key'), 'the new key', 2000);
    assert.equal(registry.byKey('two-key'), undefined, 'the old key is unknown');
    await db.sql(`UPDATE herald_apps SET config = '{}' WHERE id = 'broken'`);
    await waitFor(() => registry.byId('broken'), 'the repaired row', 2000);
    assert.equal(store.problems().size, 0);
    await db.sql(`DELETE FROM herald_apps WHERE id = 'two'`);
    await waitFor(() => registry.byId('two') === undefined, 'the deleted app to go', 2000);
    assert.deepEqual(
      registry
        .all()
        .map((a) => a.id)
        .sort(),
      ['broken', 'one'],
    );
    assert.ok(logs.matching(/apps reloaded from PostgreSQL/).some((line) => line.reason === 'notify'));
  });

  it('reloads periodically when no notification comes (trigger disabled)', async () => {
    const db = await database();
    await db.sql(`INSERT INTO herald_apps (id, key, secret) VALUES ('p1', 'p1-key', 's')`);
    await db.sql('ALTER TABLE herald_apps DISABLE TRIGGER herald_apps_notify');
    const { store } = await open(db.url, { refreshMs: 300 });
    await db.sql(`INSERT INTO herald_apps (id, key, secret) VALUES ('p2', 'p2-key', 's')`);
    await waitFor(() => store.registry.byKey('p2-key'), 'the app, by the periodic reload', 3000);
  });

  it('works with a role that may read the table but not create anything (the table made by the README SQL)', async () => {
    const db = await database();
    await db.sql(`INSERT INTO herald_apps (id, key, secret) VALUES ('ro', 'ro-key', 's')`);
    await db.sql(`CREATE ROLE herald_reader_${db.name} LOGIN PASSWORD 'reader-pass'`);
    await db.sql(`GRANT SELECT ON herald_apps TO herald_reader_${db.name}`);
    const url = `postgres://herald_reader_${db.name}:reader-pass@127.0.0.1:${pg.port}/${db.name}`;
    const { store, logs } = await open(url);
    assert.ok(store.registry.byKey('ro-key'));
    assert.equal(logs.matching(/cannot create or update the herald_apps table/).length, 1);
    await db.sql(`INSERT INTO herald_apps (id, key, secret) VALUES ('ro2', 'ro2-key', 's')`);
    await waitFor(() => store.registry.byKey('ro2-key'), 'the app, by NOTIFY to the read-only role', 2000);
  });

  // Last: it stops and restarts the server every test of this file shares.
  it('keeps the last apps while the database is down, logs the failed reloads, and resumes when it is back', async () => {
    const db = await database();
    await db.sql(`INSERT INTO herald_apps (id, key, secret) VALUES ('stay', 'stay-key', 's')`);
    const { store, logs } = await open(db.url, { refreshMs: 200 });
    await pg.shutdown();
    await waitFor(() => logs.matching(/cannot reload apps from PostgreSQL; keeping the last loaded apps/).length >= 2, 'failed reloads to be logged', 5000);
    assert.ok(logs.matching(/lost the LISTEN connection/).length >= 1);
    assert.ok(store.registry.byKey('stay-key'), 'the app is still there');
    assert.equal(store.registry.all().length, 1);

    await pg.restart();
    await db.sql(`INSERT INTO herald_apps (id, key, secret) VALUES ('back', 'back-key', 's')`);
    await waitFor(() => store.registry.byKey('back-key'), 'the app inserted after the restart', 5000);
    assert.ok(store.registry.byKey('stay-key'));
    await waitFor(() => logs.matching(/listening for app changes again/).length === 1, 'the listener to come back', 5000);
    assert.equal(logs.matching(/apps database reachable again/).length, 1);
  });
});
