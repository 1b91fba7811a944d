/**
 * What one connection may cost: at most maxSubscriptionsPerConnection channels (1000 by
 * default; one more is refused with pusher:subscription_error LimitReached and the socket
 * stays usable), and a frame budget for every kind of frame (bursts of frameBurst, then
 * framesPerSecond): over it pusher:error 4301 once and the frames go unhandled, and a
 * client that keeps flooding is closed with 4100 so that it backs off. Floods of the issue's
 * size (20,000 subscribes, 20,000 pings) from one socket leave the other clients alone; a
 * well-behaved pusher-js client (100 channels at connect) is never limited. Herald runs on a
 * manual clock, so no bucket refills behind a test's back.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type PusherJs from 'pusher-js';
import { ManualClock } from '../../services/core/src/manual-clock';
import { OpenClients } from '../helpers/open-clients';
import { connectedClient, createClient, nextEvent, serverSdk, subscribed } from '../helpers/pusher-clients';
import { type RawClient, rawClient } from '../helpers/raw-client';
import { startTestHerald, type TestApp, type TestHerald } from '../helpers/test-herald';
import { waitFor, within } from '../helpers/wait';

const APP: TestApp = { id: 'pcl-app', key: 'pcl-key', secret: 'pcl-secret' };
const FEW: TestApp = { id: 'pcl-few', key: 'pcl-few-key', secret: 'pcl-few-secret', limits: { maxSubscriptionsPerConnection: 5 } };
const SLOW: TestApp = { id: 'pcl-slow', key: 'pcl-slow-key', secret: 'pcl-slow-secret', limits: { framesPerSecond: 20, frameBurst: 30, maxSubscriptionsPerConnection: 10 } };
const BURST = 2000;

const unique = (prefix: string) => `${prefix}${randomBytes(4).toString('hex')}`;

interface PusherErrorEvent {
  type: string;
  data: { code: number | null; message: string };
}

describe('per-connection limits', () => {
  let herald: TestHerald;
  const clock = new ManualClock(Date.now());
  const open = new OpenClients();
  before(async () => {
    herald = await startTestHerald({ apps: [APP, FEW, SLOW], clock });
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

  async function raw(app: TestApp = APP): Promise<RawClient> {
    const r = await rawClient(herald.port, app.key);
    open.raw(r);
    return r;
  }

  /** The sample of a gateway metric with these labels (among others, such as `node`), 0 when there is none yet. */
  async function metric(name: string, labels: Record<string, string>): Promise<number> {
    const text = await (await fetch(`${herald.httpUrl}/metrics`)).text();
    const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
    const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && wanted.every((pair) => l.includes(pair)));
    return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
  }

  /** A pusher-js client on a channel of its own that receives an event: the gateway is still serving. */
  async function anotherClientIsServed(): Promise<void> {
    const other = await client();
    const channelName = unique('other-');
    const channel = await subscribed(other, channelName);
    const arrived = nextEvent(channel, 'still-here');
    await serverSdk(herald, APP).trigger(channelName, 'still-here', { ok: true });
    assert.deepEqual(await arrived, { ok: true });
  }

  describe('subscriptions per connection', () => {
    it('pusher-js gets subscription_error LimitReached 403 for one channel over the app limit; the socket and its channels keep working', async () => {
      const before = await metric('herald_gateway_subscriptions_refused_total', { app_id: 'pcl-few', type: 'LimitReached' });
      const c = await client(FEW);
      const names = Array.from({ length: 5 }, (_, i) => unique(`few-${i}-`));
      const channels = await Promise.all(names.map((name) => subscribed(c, name)));
      const refused = c.subscribe(unique('few-sixth-'));
      const error = await within(
        new Promise((resolve, reject) => {
          refused.bind('pusher:subscription_error', resolve);
          refused.bind('pusher:subscription_succeeded', () => reject(new Error('the sixth channel was accepted')));
        }),
        'subscription_error for the sixth channel',
      );
      assert.deepEqual(error, {
        type: 'LimitReached',
        error: 'Too many subscriptions: this connection has the maximum of 5 channels; unsubscribe from one first',
        status: 403,
      });
      assert.equal(c.connection.state, 'connected');
      const arrived = nextEvent(channels[0], 'hello');
      await serverSdk(herald, FEW).trigger(names[0], 'hello', { n: 1 });
      assert.deepEqual(await arrived, { n: 1 });
      // Room again after an unsubscribe.
      c.unsubscribe(names[1]);
      await subscribed(c, unique('few-replacement-'));
      assert.equal(await metric('herald_gateway_subscriptions_refused_total', { app_id: 'pcl-few', type: 'LimitReached' }), before + 1);
    });

    it('a flood of 20,000 subscribes from one socket ends at 1000 channels (the default); the rest are refused, the others are served', async () => {
      const flooder = await raw();
      const prefix = unique('flood-');
      // Within one burst of frames (2000), so that only the subscription limit answers.
      for (let i = 0; i < 1500; i++) flooder.send({ event: 'pusher:subscribe', data: { channel: `${prefix}${i}` } });
      await waitFor(() => flooder.frames.length >= 1 + 1500, 'an answer to each of the 1500 subscribes', 20_000);
      const succeeded = flooder.frames.filter((f) => f.event === 'pusher_internal:subscription_succeeded');
      const refused = flooder.frames.filter((f) => f.event === 'pusher:subscription_error');
      assert.equal(succeeded.length, 1000);
      assert.equal(refused.length, 500);
      assert.ok(refused.every((f) => (f.data as { type: string }).type === 'LimitReached' && (f.data as { status: number }).status === 403));
      const occupiedChannels = async () => {
        const response = await serverSdk(herald, APP).get({ path: '/channels', params: { filter_by_prefix: prefix } });
        return Object.keys(((await response.json()) as { channels: Record<string, unknown> }).channels).length;
      };
      await waitFor(async () => (await occupiedChannels()) === 1000, 'the channel query to show the 1000 channels of the socket');

      // The flood, 20,000 subscribes at once, from another socket: the frame budget
      // stops it long before, and the other clients do not notice.
      const big = await raw();
      for (let i = 0; i < 20_000; i++) big.send({ event: 'pusher:subscribe', data: { channel: `${prefix}big-${i}` } });
      assert.equal((await big.closed).code, 4100);
      assert.ok(big.frames.filter((f) => f.event === 'pusher_internal:subscription_succeeded').length <= 1000);
      await anotherClientIsServed();
    });
  });

  describe('frames per connection', () => {
    it('20,000 pusher:ping at once: a burst of 2000 answered, one 4301, then closed with 4100; another client is served', async () => {
      const [limitedBefore, floodsBefore, errorsBefore] = await Promise.all([
        metric('herald_gateway_frames_rate_limited_total', { app_id: 'pcl-app' }),
        metric('herald_gateway_flood_disconnects_total', { app_id: 'pcl-app' }),
        metric('herald_gateway_protocol_errors_total', { code: '4301' }),
      ]);
      const flooder = await raw();
      const ping = JSON.stringify({ event: 'pusher:ping', data: {} });
      for (let i = 0; i < 20_000; i++) flooder.sendRaw(ping);
      const closed = await within(flooder.closed, 'the flooder to be closed', 20_000);
      assert.equal(closed.code, 4100);
      assert.equal(closed.reason, 'Connection closed: the client went on sending frames over its rate limit');
      const pongs = flooder.frames.filter((f) => f.event === 'pusher:pong').length;
      const errors = flooder.frames.filter((f) => f.event === 'pusher:error').map((f) => (f.data as { code: number }).code);
      assert.equal(pongs, BURST);
      assert.deepEqual(errors, [4301, 4100]);
      await anotherClientIsServed();
      assert.equal(await metric('herald_gateway_frames_rate_limited_total', { app_id: 'pcl-app' }), limitedBefore + BURST, 'the frames of a whole burst of debt');
      assert.equal(await metric('herald_gateway_flood_disconnects_total', { app_id: 'pcl-app' }), floodsBefore + 1);
      assert.equal(await metric('herald_gateway_protocol_errors_total', { code: '4301' }), errorsBefore + 1);
    });

    it('WebSocket pings count too: 5000 at once get 2000 pongs, then 4100', async () => {
      const flooder = await raw();
      let pongs = 0;
      flooder.socket.on('pong', () => {
        pongs += 1;
      });
      for (let i = 0; i < 5000; i++) flooder.socket.ping();
      assert.equal((await within(flooder.closed, 'the flooder to be closed', 20_000)).code, 4100);
      assert.equal(pongs, BURST);
    });

    it("applies the app's own limits, refills at framesPerSecond, and a frame over the budget is not handled", async () => {
      const c = await raw(SLOW);
      for (let i = 0; i < 30; i++) c.send({ event: 'pusher:ping', data: {} });
      c.send({ event: 'pusher:subscribe', data: { channel: 'over-budget' } });
      const error = await c.next((f) => f.event === 'pusher:error', '4301');
      assert.deepEqual(error.data, { code: 4301, message: 'Frame rejected due to rate limit: at most 20 frames per second, bursts of 30; slow down' });
      // One second later the bucket holds 20 - 1 (the refused subscribe spent one): a subscribe is handled again.
      clock.advance(1000);
      assert.equal((await c.subscribe('in-budget')).event, 'pusher_internal:subscription_succeeded');
      assert.equal(
        c.frames.some((f) => f.channel === 'over-budget'),
        false,
        'the refused subscribe got no answer',
      );
      assert.equal(c.frames.filter((f) => f.event === 'pusher:pong').length, 30);
    });

    it('pusher-js flooding pings is closed with 4100, backs off, reconnects by itself and is resubscribed', async () => {
      const c = await client();
      const channelName = unique('reconnects-');
      const channel = await subscribed(c, channelName);
      const errors: PusherErrorEvent[] = [];
      c.connection.bind('error', (e: PusherErrorEvent) => {
        if (e.type === 'PusherError') errors.push(e);
      });
      const firstSocket = c.connection.socket_id;
      const states: string[] = [];
      c.connection.bind('state_change', ({ current }: { current: string }) => states.push(current));
      for (let i = 0; i < 2 * BURST + 1; i++) c.send_event('pusher:ping', {});
      await waitFor(() => c.connection.state === 'connected' && c.connection.socket_id !== firstSocket, 'pusher-js to reconnect', 10_000);
      // pusher-js reports the 4100 twice: the pusher:error frame, then the close.
      assert.deepEqual(
        errors.map((e) => e.data.code),
        [4301, 4100, 4100],
      );
      assert.ok(states.includes('connecting'), `states: ${states.join(', ')}`);
      await waitFor(() => channel.subscribed, 'the channel to be resubscribed');
      const arrived = nextEvent(channel, 'after-reconnect');
      await serverSdk(herald, APP).trigger(channelName, 'after-reconnect', {});
      await arrived;
    });

    it('never limits a well-behaved pusher-js client: 100 channels at connect, an event on each', async () => {
      const c = createClient(herald, APP);
      open.pusher(c);
      const errors: unknown[] = [];
      c.connection.bind('error', (e: unknown) => errors.push(e));
      const prefix = unique('wb-');
      const names = Array.from({ length: 100 }, (_, i) => `${prefix}${i}`);
      // Subscribed before the connection is up: pusher-js sends all 100 subscribes at connect.
      const channels = await Promise.all(names.map((name) => subscribed(c, name, 10_000)));
      const received = channels.map((channel) => nextEvent(channel, 'to-all', 10_000));
      await serverSdk(herald, APP).trigger(names, 'to-all', { hello: 'everyone' });
      assert.equal((await Promise.all(received)).length, 100);
      // Unsubscribing and subscribing all of them again (a page change) is within the budget too.
      for (const name of names) c.unsubscribe(name);
      await Promise.all(names.map((name) => subscribed(c, name, 10_000)));
      assert.deepEqual(errors, []);
      assert.equal(c.connection.state, 'connected');
    });
  });
});
