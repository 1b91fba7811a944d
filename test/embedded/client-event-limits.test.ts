/**
 * The limits on client events, beyond the basics in client-events.test.ts: the per-connection
 * rate (on a clock that only moves when the test says so, so the one-second window cannot roll
 * over mid-burst), the app's own rate, payload size and event-name length, and refusal once
 * the sender has unsubscribed.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type PusherJs from 'pusher-js';
import type { Channel } from 'pusher-js';
import { ManualClock } from '../../services/core/src/manual-clock';
import { OpenClients } from '../helpers/open-clients';
import { connectedClient, nextEvent, serverSdk, subscribed } from '../helpers/pusher-clients';
import { type RawClient, rawClient } from '../helpers/raw-client';
import { startTestHerald, type TestApp, type TestHerald } from '../helpers/test-herald';
import { waitFor, within } from '../helpers/wait';

const APP: TestApp = { id: 'cel-app', key: 'cel-key', secret: 'cel-secret' };
const SLOW: TestApp = { id: 'cel-slow-app', key: 'cel-slow-key', secret: 'cel-slow-secret', limits: { clientEventsPerSecond: 3 } };
const DEFAULT_RATE = 10;

interface PusherErrorEvent {
  type: string;
  data: { code: number | null; message: string };
}

/** Every pusher:error a pusher-js client is sent, as its connection reports them. */
function connectionErrors(client: PusherJs): PusherErrorEvent[] {
  const errors: PusherErrorEvent[] = [];
  client.connection.bind('error', (e: PusherErrorEvent) => {
    if (e.type === 'PusherError') errors.push(e);
  });
  return errors;
}

/** Every event on `channel` except pusher's own. */
function everyEvent(channel: Channel): Array<{ event: string; data: unknown }> {
  const seen: Array<{ event: string; data: unknown }> = [];
  channel.bind_global((event: string, data: unknown) => {
    if (!event.startsWith('pusher:') && !event.startsWith('pusher_internal:')) seen.push({ event, data });
  });
  return seen;
}

const uniqueName = (prefix: string) => `${prefix}${randomBytes(4).toString('hex')}`;

describe('client event limits', () => {
  let herald: TestHerald;
  const clock = new ManualClock(Date.now());
  const open = new OpenClients();
  before(async () => {
    herald = await startTestHerald({ apps: [APP, SLOW], clock });
  });
  after(async () => {
    open.closeAll();
    await herald.stop();
  });

  async function client(app: TestApp = APP): Promise<PusherJs> {
    const c = await connectedClient(herald, app);
    open.pusher(c);
    return c;
  }

  /** Two pusher-js clients on a fresh private channel; the sender bursts `count` client events. */
  async function burst(app: TestApp, limit: number, count: number) {
    const name = uniqueName('private-burst-');
    const [sender, receiver] = [await client(app), await client(app)];
    const errors = connectionErrors(sender);
    const [senderChannel, receiverChannel] = [await subscribed(sender, name), await subscribed(receiver, name)];
    const received = everyEvent(receiverChannel);
    for (let i = 0; i < count; i++) senderChannel.trigger('client-tick', { i });
    if (count > limit) await waitFor(() => errors.length >= count - limit, `${count - limit} rate-limit errors`);
    // A server event after the burst, on the same channel: every relayed tick arrives before it.
    const marker = nextEvent(receiverChannel, 'marker');
    await serverSdk(herald, app).trigger(name, 'marker', {});
    await marker;
    return { sender, senderChannel, receiverChannel, errors, ticks: received.filter((e) => e.event === 'client-tick') };
  }

  it('relays the first 10 in a second, answers the rest with 4301, and lets the sender go on in the next second', async () => {
    const { sender, senderChannel, receiverChannel, errors, ticks } = await burst(APP, DEFAULT_RATE, 15);
    assert.deepEqual(
      ticks.map((t) => t.data),
      Array.from({ length: 10 }, (_, i) => ({ i })),
      'the first ten, in order',
    );
    assert.deepEqual(
      errors.map((e) => e.data.code),
      [4301, 4301, 4301, 4301, 4301],
    );
    assert.equal(sender.connection.state, 'connected', '4301 does not close the connection');

    // Still limited within the same second...
    senderChannel.trigger('client-still-limited', {});
    await waitFor(() => errors.length === 6, 'a sixth 4301');
    // ...and allowed again in the next second: ten more, and the eleventh refused again.
    clock.advance(1000);
    const again = everyEvent(receiverChannel);
    for (let i = 0; i < 11; i++) senderChannel.trigger('client-again', { i });
    await waitFor(() => errors.length === 7, 'one 4301 in the new second');
    const marker = nextEvent(receiverChannel, 'marker-2');
    await serverSdk(herald, APP).trigger(receiverChannel.name, 'marker-2', {});
    await within(marker, 'the second marker');
    assert.deepEqual(
      again.filter((e) => e.event === 'client-again').map((e) => e.data),
      Array.from({ length: 10 }, (_, i) => ({ i })),
    );
    assert.equal(errors[6].data.code, 4301);
  });

  it("applies the app's own limit (limits.clientEventsPerSecond: 3)", async () => {
    const { ticks, errors, sender } = await burst(SLOW, 3, 5);
    assert.deepEqual(
      ticks.map((t) => t.data),
      [{ i: 0 }, { i: 1 }, { i: 2 }],
    );
    assert.deepEqual(
      errors.map((e) => e.data.code),
      [4301, 4301],
    );
    assert.equal(sender.connection.state, 'connected');
  });

  it("counts per connection: one client's burst does not limit another client of the same app", async () => {
    const first = await burst(SLOW, 3, 4);
    assert.equal(first.errors.length, 1);
    // In the same (frozen) second, the receiver of that burst still has its own budget.
    const got = nextEvent(first.senderChannel, 'client-own-budget');
    first.receiverChannel.trigger('client-own-budget', {});
    await got;
  });
});

describe('client event payload and name limits', () => {
  let herald: TestHerald;
  const open = new OpenClients();
  before(async () => {
    herald = await startTestHerald({ apps: [APP] });
  });
  after(async () => {
    open.closeAll();
    await herald.stop();
  });

  /** A raw sender and a pusher-js watcher, both subscribed to a fresh private channel. */
  async function pair(): Promise<{ name: string; sender: RawClient; channel: Channel; seen: Array<{ event: string }> }> {
    const name = uniqueName('private-limits-');
    const sender = await rawClient(herald.port, APP.key);
    open.raw(sender);
    const { auth } = serverSdk(herald, APP).authorizeChannel(sender.socketId, name);
    assert.equal((await sender.subscribe(name, { auth })).event, 'pusher_internal:subscription_succeeded');
    const watcher = await connectedClient(herald, APP);
    open.pusher(watcher);
    const channel = await subscribed(watcher, name);
    return { name, sender, channel, seen: everyEvent(channel) };
  }

  async function refused(sender: RawClient, frame: object): Promise<{ code: number | null; message: string }> {
    const from = sender.frames.length;
    sender.send(frame);
    const error = await sender.next((f) => f.event === 'pusher:error', 'pusher:error', 5000, from);
    return error.data as { code: number | null; message: string };
  }

  /** A server event on the same channel arrives, and nothing refused came before it. */
  async function assertNothingRelayed(name: string, channel: Channel, seen: Array<{ event: string }>): Promise<void> {
    const marker = nextEvent(channel, 'marker');
    await serverSdk(herald, APP).trigger(name, 'marker', {});
    await marker;
    assert.deepEqual(
      seen.map((e) => e.event),
      ['marker'],
    );
  }

  it('relays 10 KB of data and refuses 10 KB + 1 byte', async () => {
    const { name, sender, channel, seen } = await pair();
    const error = await refused(sender, { event: 'client-big', channel: name, data: 'x'.repeat(10 * 1024 + 1) });
    assert.equal(error.code, null);
    assert.match(error.message, /10241 bytes/);
    await assertNothingRelayed(name, channel, seen);
    const got = nextEvent<string>(channel, 'client-big');
    sender.send({ event: 'client-big', channel: name, data: 'x'.repeat(10 * 1024) });
    assert.equal((await got).length, 10 * 1024);
  });

  it('relays a 200-character event name and refuses 201', async () => {
    const { name, sender, channel, seen } = await pair();
    const long = `client-${'n'.repeat(194)}`;
    assert.equal(long.length, 201);
    const error = await refused(sender, { event: long, channel: name, data: {} });
    assert.equal(error.code, null);
    await assertNothingRelayed(name, channel, seen);
    const ok = long.slice(0, 200);
    const got = nextEvent(channel, ok);
    sender.send({ event: ok, channel: name, data: { fits: true } });
    assert.deepEqual(await got, { fits: true });
  });

  it('refuses client events once the sender has unsubscribed', async () => {
    const { name, sender, channel, seen } = await pair();
    sender.send({ event: 'pusher:unsubscribe', data: { channel: name } });
    const error = await refused(sender, { event: 'client-late', channel: name, data: {} });
    assert.equal(error.code, null);
    assert.match(error.message, /not subscribed/);
    await assertNothingRelayed(name, channel, seen);
  });
});
