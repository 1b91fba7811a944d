/**
 * The connection handshake and keep-alive: pusher:connection_established, the 40xx refusals
 * with their close codes, the per-app connection quota, and both kinds of ping.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type PusherJs from 'pusher-js';
import { connectedClient, createClient } from '../helpers/pusher-clients';
import { type RawClient, rawClient } from '../helpers/raw-client';
import { startTestHerald, type TestApp, type TestHerald } from '../helpers/test-herald';
import { waitFor, within } from '../helpers/wait';

const APP: TestApp = { id: 'conn-app', key: 'conn-key', secret: 'conn-secret' };
const DISABLED: TestApp = { id: 'off-app', key: 'off-key', secret: 'off-secret', enabled: false };
const SMALL: TestApp = { id: 'small-app', key: 'small-key', secret: 'small-secret', limits: { maxConnections: 2 } };

interface ErrorData {
  code: number | null;
  message: string;
}

/** Asserts the socket got exactly one pusher:error with `code` and was then closed with the same code. */
async function assertRefused(raw: RawClient, code: number): Promise<void> {
  const error = await raw.next((f) => f.event === 'pusher:error', `pusher:error ${code}`);
  assert.equal((error.data as ErrorData).code, code);
  assert.equal(typeof (error.data as ErrorData).message, 'string');
  const closed = await within(raw.closed, `close ${code}`);
  assert.equal(closed.code, code);
  assert.equal(raw.socketId, '', 'no connection_established was sent');
  assert.deepEqual(
    raw.frames.map((f) => f.event),
    ['pusher:error'],
  );
}

describe('connection', () => {
  let herald: TestHerald;
  const open: RawClient[] = [];
  const clients: PusherJs[] = [];
  before(async () => {
    herald = await startTestHerald({ apps: [APP, DISABLED, SMALL] });
  });
  after(async () => {
    for (const raw of open) raw.close();
    for (const client of clients) client.disconnect();
    await herald.stop();
  });

  it('sends connection_established with data as a JSON string holding socket_id and activity_timeout 120', async () => {
    const raw = await rawClient(herald.port, APP.key);
    open.push(raw);
    const frame = raw.frames[0];
    assert.equal(frame.event, 'pusher:connection_established');
    assert.equal(typeof frame.data, 'string', 'data is double-encoded');
    const data = JSON.parse(frame.data as string) as { socket_id: string; activity_timeout: number };
    assert.match(data.socket_id, /^\d+\.\d+$/);
    assert.equal(data.activity_timeout, 120);
    assert.deepEqual(Object.keys(data).sort(), ['activity_timeout', 'socket_id']);
  });

  it('gives every connection its own socket_id, which pusher-js reports', async () => {
    const [a, b] = await Promise.all([connectedClient(herald, APP), connectedClient(herald, APP)]);
    clients.push(a, b);
    assert.match(a.connection.socket_id, /^\d+\.\d+$/);
    assert.match(b.connection.socket_id, /^\d+\.\d+$/);
    assert.notEqual(a.connection.socket_id, b.connection.socket_id);
  });

  it('refuses an unknown app key with pusher:error 4001 and close code 4001', async () => {
    await assertRefused(await rawClient(herald.port, 'no-such-key'), 4001);
  });

  it('pusher-js stops on 4001 and does not try to reconnect', async () => {
    const client = createClient(herald, { id: 'nope', key: 'no-such-key', secret: 'x' });
    clients.push(client);
    const states: string[] = [];
    client.connection.bind('state_change', (s: { current: string }) => states.push(s.current));
    const refused = within(
      new Promise<{ type: string; error?: { type: string; data: ErrorData } }>((resolve) => client.connection.bind('error', resolve)),
      'pusher-js to report the refusal',
    );
    const disconnected = within(new Promise<void>((resolve) => client.connection.bind('disconnected', () => resolve())), 'pusher-js to give up');
    const error = await refused;
    assert.equal(error.error?.data.code, 4001);
    await disconnected;
    // pusher-js treats 4000-4099 as "refused": it disconnects for good, with no retry scheduled.
    assert.equal(client.connection.state, 'disconnected');
    type Timer = { isRunning(): boolean } | null | undefined;
    const manager = client.connection as unknown as { runner: unknown; retryTimer: Timer; unavailableTimer: Timer };
    assert.ok(!manager.runner, 'no connection attempt in progress');
    assert.ok(!manager.retryTimer?.isRunning(), 'no reconnect scheduled');
    assert.ok(!manager.unavailableTimer?.isRunning(), 'no "unavailable" timer running');
    // (pusher-js was already connecting when the listener was bound.)
    assert.deepEqual(states, ['disconnected'], 'it never went back to connecting');
  });

  it('refuses a disabled app with 4003', async () => {
    await assertRefused(await rawClient(herald.port, DISABLED.key), 4003);
  });

  it('refuses a connection without a protocol version with 4008', async () => {
    await assertRefused(await rawClient(herald.port, APP.key, 'client=test&version=1.0'), 4008);
  });

  for (const protocol of ['3', '8', 'seven']) {
    it(`refuses protocol=${protocol} with 4007`, async () => {
      await assertRefused(await rawClient(herald.port, APP.key, `protocol=${protocol}&client=test&version=1.0`), 4007);
    });
  }

  it('refuses only the connection over the app quota with 4004; the others keep working', async () => {
    const first = await rawClient(herald.port, SMALL.key);
    const second = await rawClient(herald.port, SMALL.key);
    open.push(first, second);
    assert.ok(first.socketId && second.socketId, 'the first two are admitted');
    await assertRefused(await rawClient(herald.port, SMALL.key), 4004);
    // Other apps are not affected by this app's quota.
    const other = await rawClient(herald.port, APP.key);
    open.push(other);
    assert.ok(other.socketId);
    for (const raw of [first, second]) {
      const from = raw.frames.length;
      raw.send({ event: 'pusher:ping', data: {} });
      await raw.next((f) => f.event === 'pusher:pong', 'pong on an admitted socket', 5000, from);
    }
    // A closed connection frees its place.
    first.close();
    await first.closed;
    // The close may not have reached the quota yet when the next client arrives: try again.
    const replacement = await waitFor(async () => {
      const raw = await rawClient(herald.port, SMALL.key);
      return raw.socketId ? raw : undefined;
    }, 'a connection to take the freed place');
    open.push(replacement);
  });

  it('answers pusher:ping with pusher:pong', async () => {
    const raw = await rawClient(herald.port, APP.key);
    open.push(raw);
    raw.send({ event: 'pusher:ping', data: {} });
    const pong = await raw.next((f) => f.event === 'pusher:pong', 'pusher:pong');
    assert.deepEqual(pong, { event: 'pusher:pong', data: '{}' });
  });

  it('answers a WebSocket ping frame with a pong frame', async () => {
    const raw = await rawClient(herald.port, APP.key);
    open.push(raw);
    const pong = within(new Promise<Buffer>((resolve) => raw.socket.once('pong', resolve)), 'a WebSocket pong');
    raw.socket.ping(Buffer.from('are-you-there'));
    assert.equal((await pong).toString(), 'are-you-there');
  });

  it('lets pusher-js ping and get a pong', async () => {
    const client = await connectedClient(herald, APP);
    clients.push(client);
    const pong = within(
      new Promise<void>((resolve) => (client.connection as unknown as { connection: { bind(e: string, f: () => void): void } }).connection.bind('pong', resolve)),
      'pusher-js to see pusher:pong',
    );
    client.send_event('pusher:ping', {});
    await pong;
  });
});
