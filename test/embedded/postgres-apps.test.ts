/**
 * `--apps postgres://…`: embedded Herald with its apps in a real PostgreSQL (a throwaway
 * cluster, test/helpers/postgres.ts), driven by the official `pusher-js` and `pusher` SDKs.
 * Rows added, changed, disabled and deleted take effect without a restart; bad rows are
 * logged and skipped; the database going away leaves the last apps in force.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type Pusher from 'pusher';
import type PusherJs from 'pusher-js';
import { APPS_SCHEMA_SQL } from '../../services/core/src/apps/postgres-apps-schema';
import { loadConfig } from '../../services/core/src/config/load-config';
import { type RunningHerald, startEmbedded } from '../../services/herald/src/embedded';
import { type CapturedLogs, captureLogs } from '../helpers/log-capture';
import { type PostgresServer, startPostgres } from '../helpers/postgres';
import { type AppCredentials, connectedClient, nextEvent, serverSdk, subscribed } from '../helpers/pusher-clients';
import { rawClient } from '../helpers/raw-client';
import { waitFor, within } from '../helpers/wait';

const SHOP: AppCredentials = { id: 'shop', key: 'shop-key', secret: 'shop-secret' };
const OFF: AppCredentials = { id: 'off', key: 'off-key', secret: 'off-secret' };
const BAD: AppCredentials = { id: 'bad', key: 'bad-key', secret: 'bad-secret' };

interface Herald {
  readonly node: RunningHerald;
  readonly logs: CapturedLogs;
  readonly port: number;
}

async function startHerald(url: string, refreshMs: number): Promise<Herald> {
  const config = loadConfig({
    env: { HERALD_HOST: '127.0.0.1', HERALD_PORT: '0', HERALD_APPS_REFRESH_MS: String(refreshMs) },
    appsFile: url,
  });
  const logs = captureLogs();
  const node = await startEmbedded(config, logs.logger);
  return { node, logs, port: node.port };
}

/** The close code a new connection with `key` gets, or 0 when it is established. */
async function connectOutcome(port: number, key: string): Promise<number> {
  const raw = await rawClient(port, key);
  if (raw.socketId) {
    raw.close();
    return 0;
  }
  return (await within(raw.closed, `the refused connection to close`)).code;
}

/** Waits until new connections with `key` get `code` (0: established); returns how long it took. */
async function untilOutcome(port: number, key: string, code: number, timeoutMs: number): Promise<number> {
  const started = Date.now();
  await waitFor(async () => (await connectOutcome(port, key)) === code, `connections with ${key} to get ${code || 'established'}`, timeoutMs, 50);
  return Date.now() - started;
}

/** A pusher-js client subscribed to a private channel receives what the `pusher` SDK triggers. */
async function assertRoundTrip(port: number, app: AppCredentials, client?: PusherJs): Promise<void> {
  const own = client ?? (await connectedClient({ port }, app));
  try {
    const channel = await subscribed(own, `private-orders-${app.id}`);
    const received = nextEvent(channel, 'order-placed');
    const response = await serverSdk({ port }, app).trigger(`private-orders-${app.id}`, 'order-placed', { id: 42 });
    assert.equal(response.status, 200);
    assert.deepEqual(await received, { id: 42 });
  } finally {
    if (!client) own.disconnect();
  }
}

async function triggerStatus(sdk: Pusher): Promise<number> {
  try {
    return (await sdk.trigger('news', 'headline', {})).status;
  } catch (err) {
    return (err as { status?: number }).status ?? -1;
  }
}

describe('apps in PostgreSQL (embedded)', () => {
  let pg: PostgresServer;
  let url: string;
  let herald: Herald;
  const sql = async (text: string, params?: unknown[]) => (await pg.query('herald', text, params)).rows;
  const clients: PusherJs[] = [];

  before(async () => {
    pg = await startPostgres();
    url = await pg.createDatabase('herald');
    // The table as the README's SQL makes it, filled before Herald starts.
    await sql(APPS_SCHEMA_SQL);
    await sql(
      `INSERT INTO herald_apps (id, key, secret, enabled, config) VALUES
        ($1, $2, $3, true, '{"name": "Shop", "limits": {"maxPresenceMembers": 50}}'),
        ($4, $5, $6, false, '{}'),
        ($7, $8, $9, true, '{"limits": {"maxPresenceMembers": "lots"}}')`,
      [SHOP.id, SHOP.key, SHOP.secret, OFF.id, OFF.key, OFF.secret, BAD.id, BAD.key, BAD.secret],
    );
    // The periodic reload is a minute away: changes below can only arrive by NOTIFY.
    herald = await startHerald(url, 60_000);
  });
  after(async () => {
    for (const client of clients) client.disconnect();
    await herald?.node.stop();
    await pg?.stop();
  });

  it('serves an app from the table to pusher-js (connect, private channel) and the pusher SDK (trigger)', async () => {
    assert.deepEqual(
      herald.node.appRegistry
        .all()
        .map((a) => a.id)
        .sort(),
      ['off', 'shop'],
    );
    await assertRoundTrip(herald.port, SHOP);
  });

  it('skips a bad row with its id and field in the log; its key is unknown (4001)', async () => {
    const lines = herald.logs.matching(/skipping bad herald_apps row "bad": config\.limits\.maxPresenceMembers: .*expected number/);
    assert.equal(lines.length, 1, JSON.stringify(herald.logs.lines));
    assert.equal(lines[0].level, 40, 'a warning');
    assert.equal(await connectOutcome(herald.port, BAD.key), 4001);
  });

  it('refuses a disabled app with 4003', async () => {
    assert.equal(await connectOutcome(herald.port, OFF.key), 4003);
    assert.equal(await triggerStatus(serverSdk({ port: herald.port }, OFF)), 403);
  });

  it('makes an inserted app usable within a second or two (NOTIFY)', async () => {
    const NEW: AppCredentials = { id: 'new-app', key: 'new-key', secret: 'new-secret' };
    await sql('INSERT INTO herald_apps (id, key, secret) VALUES ($1, $2, $3)', [NEW.id, NEW.key, NEW.secret]);
    const took = await untilOutcome(herald.port, NEW.key, 0, 2000);
    assert.ok(took < 2000, `took ${took} ms`);
    await assertRoundTrip(herald.port, NEW);
  });

  it('disabling an app refuses new connections (4003) and API calls (403); enabling it again lets them in', async () => {
    const existing = await connectedClient({ port: herald.port }, SHOP);
    clients.push(existing);
    await sql('UPDATE herald_apps SET enabled = false WHERE id = $1', [SHOP.id]);
    await untilOutcome(herald.port, SHOP.key, 4003, 2000);
    assert.equal(await triggerStatus(serverSdk({ port: herald.port }, SHOP)), 403);
    assert.equal(existing.connection.state, 'connected', 'connections made before stay open');

    await sql('UPDATE herald_apps SET enabled = true WHERE id = $1', [SHOP.id]);
    await untilOutcome(herald.port, SHOP.key, 0, 2000);
    await assertRoundTrip(herald.port, SHOP, existing);
  });

  it('a changed secret applies at once: the old one is refused (401), the new one works', async () => {
    await sql('UPDATE herald_apps SET secret = $1 WHERE id = $2', ['shop-secret-2', SHOP.id]);
    const rotated = { ...SHOP, secret: 'shop-secret-2' };
    await waitFor(async () => (await triggerStatus(serverSdk({ port: herald.port }, rotated))) === 200, 'the new secret to be accepted', 2000);
    assert.equal(await triggerStatus(serverSdk({ port: herald.port }, SHOP)), 401);
    await sql('UPDATE herald_apps SET secret = $1 WHERE id = $2', [SHOP.secret, SHOP.id]);
    await waitFor(async () => (await triggerStatus(serverSdk({ port: herald.port }, SHOP))) === 200, 'the old secret again', 2000);
  });

  it('a deleted app is unknown: new connections get 4001, the API 404', async () => {
    const GONE: AppCredentials = { id: 'gone', key: 'gone-key', secret: 'gone-secret' };
    await sql('INSERT INTO herald_apps (id, key, secret) VALUES ($1, $2, $3)', [GONE.id, GONE.key, GONE.secret]);
    await untilOutcome(herald.port, GONE.key, 0, 2000);
    await sql('DELETE FROM herald_apps WHERE id = $1', [GONE.id]);
    await untilOutcome(herald.port, GONE.key, 4001, 2000);
    assert.equal(await triggerStatus(serverSdk({ port: herald.port }, GONE)), 404);
  });

  it('a row made bad while running is logged and skipped; the other apps go on', async () => {
    const FLAKY: AppCredentials = { id: 'flaky', key: 'flaky-key', secret: 'flaky-secret' };
    await sql('INSERT INTO herald_apps (id, key, secret) VALUES ($1, $2, $3)', [FLAKY.id, FLAKY.key, FLAKY.secret]);
    await untilOutcome(herald.port, FLAKY.key, 0, 2000);
    await sql(`UPDATE herald_apps SET config = '{"webhooks": [{"url": "not a url"}]}' WHERE id = $1`, [FLAKY.id]);
    await waitFor(() => herald.logs.matching(/skipping bad herald_apps row "flaky": config\.webhooks\[0\]\.url: /).length === 1, 'the bad row to be logged', 2000);
    assert.equal(await connectOutcome(herald.port, FLAKY.key), 4001);
    await assertRoundTrip(herald.port, SHOP);
  });

  // Last: it stops and restarts the database.
  it('never goes down with the database: the last apps keep working, reload errors are logged, refresh resumes on restart', async () => {
    // A second Herald on the same table that reloads often, to see the failed reloads.
    const frequent = await startHerald(url, 300);
    try {
      const onFrequent = await connectedClient({ port: frequent.port }, SHOP);
      clients.push(onFrequent);
      const channel = await subscribed(onFrequent, 'private-during-outage');

      await pg.shutdown();
      await waitFor(() => frequent.logs.matching(/cannot reload apps from PostgreSQL; keeping the last loaded apps/).length >= 2, 'failed reloads to be logged', 5000);
      await waitFor(() => herald.logs.matching(/lost the LISTEN connection for app changes/).length >= 1, 'the lost listener to be logged', 5000);
      for (const target of [frequent, herald]) {
        // Existing and new connections, and the API, work from the last loaded apps.
        await assertRoundTrip(target.port, SHOP);
        assert.equal(await connectOutcome(target.port, OFF.key), 4003);
      }
      const received = nextEvent(channel, 'still-here');
      assert.equal((await serverSdk({ port: frequent.port }, SHOP).trigger('private-during-outage', 'still-here', { ok: true })).status, 200);
      assert.deepEqual(await received, { ok: true });

      await pg.restart();
      const LATE: AppCredentials = { id: 'late', key: 'late-key', secret: 'late-secret' };
      await sql('INSERT INTO herald_apps (id, key, secret) VALUES ($1, $2, $3)', [LATE.id, LATE.key, LATE.secret]);
      // The frequent one by its next reload; the other once its listener is back (backoff ≤ 10 s).
      await untilOutcome(frequent.port, LATE.key, 0, 5000);
      await untilOutcome(herald.port, LATE.key, 0, 15_000);
      await assertRoundTrip(herald.port, LATE);
      assert.equal(frequent.logs.matching(/apps database reachable again/).length, 1);
      assert.equal(herald.logs.matching(/listening for app changes again/).length, 1);
    } finally {
      await frequent.node.stop();
    }
  });
});
