/**
 * Webhooks as an app receives them: Pusher's body and headers (checked by the `pusher` SDK's
 * webhook helper in the receiver), every event kind, per-URL event filters, batching, the 3 s
 * hold on channel_vacated / member_removed that a page reload cancels, stable event ids, and
 * delivery failures: retries, timeouts, dead letters and their replay. Herald runs on a clock
 * the tests move, so the hold and the retry back-off pass without waiting for them; time_ms
 * in each POST is Herald's clock at sending, which is what the timing assertions measure.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type PusherJs from 'pusher-js';
import { ManualClock } from '../../services/core/src/manual-clock';
import { connectedClient, nextEvent, serverSdk, subscribed } from '../helpers/pusher-clients';
import { signedRequest } from '../helpers/signed-request';
import { startTestHerald, type TestApp, type TestHerald } from '../helpers/test-herald';
import { waitAdvancing, waitFor } from '../helpers/wait';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver';

type WebhookEvent = Record<string, unknown>;

/** Pusher holds channel_vacated and member_removed this long. */
const HOLD_MS = 3000;

interface RawRequest {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly at: number;
}

/**
 * A webhook URL under the test's control that sees the raw requests: it answers `status`,
 * or — with `forwardTo` set — passes each request on to a receiver and answers what it does.
 */
interface Gate {
  readonly url: string;
  readonly requests: RawRequest[];
  status: number;
  forwardTo: string | undefined;
  close(): Promise<void>;
}

async function startGate(): Promise<Gate> {
  const requests: RawRequest[] = [];
  const gate = { status: 200, forwardTo: undefined as string | undefined };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      void (async () => {
        const body = Buffer.concat(chunks).toString('utf8');
        requests.push({ headers: request.headers, body, at: Date.now() });
        if (gate.forwardTo === undefined) {
          response.writeHead(gate.status).end();
          return;
        }
        const forwarded = await fetch(gate.forwardTo, {
          method: 'POST',
          headers: {
            'content-type': String(request.headers['content-type']),
            'x-pusher-key': String(request.headers['x-pusher-key']),
            'x-pusher-signature': String(request.headers['x-pusher-signature']),
          },
          body,
        }).catch(() => undefined);
        response.writeHead(forwarded?.status ?? 502).end();
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(gate, {
    url: `http://127.0.0.1:${port}/webhooks`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

/** The SDK JSON-encodes `body` itself (its typings say string): an empty object, as `{}`. */
const NO_BODY = {} as unknown as string;
const named = (events: readonly WebhookEvent[], name: string, channel: string) => events.filter((e) => e.name === name && e.channel === channel);
const unique = (prefix: string) => `${prefix}${Math.random().toString(36).slice(2, 10)}`;

/**
 * Leaves `channel` (unsubscribing, or disconnecting from every channel) and resolves once
 * the HTTP API reports each of `channels` unoccupied, i.e. the leave reached presence (and
 * any departure it causes is held from then on).
 */
async function vacate(
  herald: TestHerald,
  app: TestApp,
  client: PusherJs,
  channel: string,
  how: 'unsubscribe' | 'disconnect',
  channels: readonly string[] = [channel],
): Promise<void> {
  if (how === 'unsubscribe') client.unsubscribe(channel);
  else client.disconnect();
  for (const name of channels) {
    await waitFor(async () => {
      const response = await serverSdk(herald, app).get({ path: `/channels/${name}` });
      return ((await response.json()) as { occupied: boolean }).occupied === false;
    }, `${name} to be unoccupied`);
  }
}

describe('webhooks', () => {
  let herald: TestHerald;
  let receiver: WebhookReceiver;
  let spy: Gate;
  let filteredAll: WebhookReceiver;
  let filteredOnly: WebhookReceiver;
  let batchReceiver: WebhookReceiver;
  let arrivals: WebhookReceiver;
  const clients: PusherJs[] = [];
  const APP: TestApp = { id: 'wh-app', key: 'wh-key', secret: 'wh-secret', subscriptionCountEvents: true };
  const FILTER_APP: TestApp = { id: 'wh-filter', key: 'wh-filter-key', secret: 'wh-filter-secret' };
  const BATCH_APP: TestApp = { id: 'wh-batch', key: 'wh-batch-key', secret: 'wh-batch-secret' };
  /** Wants arrivals only: channel_occupied and member_added, none of the events they pair with. */
  const ARRIVALS_APP: TestApp = { id: 'wh-arrivals', key: 'wh-arrivals-key', secret: 'wh-arrivals-secret' };
  let clock: ManualClock;

  before(async () => {
    receiver = await startWebhookReceiver(APP);
    spy = await startGate();
    filteredAll = await startWebhookReceiver(FILTER_APP);
    filteredOnly = await startWebhookReceiver(FILTER_APP);
    batchReceiver = await startWebhookReceiver(BATCH_APP);
    arrivals = await startWebhookReceiver(ARRIVALS_APP);
    APP.webhooks = [{ url: receiver.url }, { url: spy.url, events: ['channel_occupied'] }];
    FILTER_APP.webhooks = [{ url: filteredAll.url }, { url: filteredOnly.url, events: ['member_added', 'channel_vacated'] }];
    BATCH_APP.webhooks = [{ url: batchReceiver.url, events: ['channel_occupied'] }];
    ARRIVALS_APP.webhooks = [{ url: arrivals.url, events: ['channel_occupied', 'member_added'] }];
    clock = new ManualClock(Date.now());
    herald = await startTestHerald({ apps: [APP, FILTER_APP, BATCH_APP, ARRIVALS_APP], clock });
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    await herald.stop();
    for (const r of [receiver, filteredAll, filteredOnly, batchReceiver, arrivals]) {
      assert.equal(r.invalid, 0, "every webhook passed the pusher SDK's signature check");
      await r.close();
    }
    await spy.close();
  });

  async function client(app: TestApp = APP, user?: { id: string; info?: Record<string, unknown> }): Promise<PusherJs> {
    const c = await connectedClient(herald, app, { user });
    clients.push(c);
    return c;
  }

  /** Subscribes `c` to a new channel and waits for its channel_occupied: anything released before it has arrived by then. */
  async function markerOccupied(c: PusherJs, prefix: string): Promise<void> {
    const marker = unique(prefix);
    await subscribed(c, marker);
    await receiver.waitForEvents((events) => named(events, 'channel_occupied', marker).length === 1, `the marker's channel_occupied (${marker})`);
  }

  it("sends channel_occupied on the first subscription, in Pusher's body format with X-Pusher-Key and a valid X-Pusher-Signature", async () => {
    const channel = unique('occupied-');
    const before = clock.now();
    const [a, b] = [await client(), await client()];
    await subscribed(a, channel);
    await subscribed(b, channel);
    await receiver.waitForEvents((events) => named(events, 'channel_occupied', channel).length > 0, `channel_occupied for ${channel}`);
    const delivery = receiver.deliveries.find((d) => d.events.some((e) => e.channel === channel && e.name === 'channel_occupied'))!;
    assert.ok(delivery.timeMs >= before - 1000 && delivery.timeMs <= clock.now(), `time_ms ${delivery.timeMs} is the sending time`);
    const [event] = named(receiver.accepted(), 'channel_occupied', channel);
    assert.deepEqual(Object.keys(event).sort(), ['channel', 'id', 'name']);
    assert.equal(receiver.invalid, 0);

    // The exact bytes, as seen by a plain HTTP server.
    const raw = await waitFor(() => spy.requests.find((r) => r.body.includes(`"${channel}"`)), `the raw webhook for ${channel}`);
    const body = JSON.parse(raw.body) as { time_ms: number; events: WebhookEvent[] };
    assert.deepEqual(Object.keys(body), ['time_ms', 'events']);
    assert.equal(typeof body.time_ms, 'number');
    assert.equal(raw.headers['content-type'], 'application/json');
    assert.equal(raw.headers['x-pusher-key'], APP.key);
    assert.equal(raw.headers['x-pusher-signature'], createHmac('sha256', APP.secret).update(raw.body).digest('hex'));
  });

  it('sends channel_vacated about 3 s after the last subscriber leaves, not when the first of two leaves', async () => {
    const channel = unique('vacated-');
    const [a, b] = [await client(), await client()];
    await subscribed(a, channel);
    await subscribed(b, channel);
    a.unsubscribe(channel);
    await waitFor(async () => {
      const response = await serverSdk(herald, APP).get({ path: `/channels/${channel}`, params: { info: 'subscription_count' } });
      return ((await response.json()) as { subscription_count: number }).subscription_count === 1;
    }, 'the first subscriber to have left');
    const leftAt = clock.now();
    await vacate(herald, APP, b, channel, 'unsubscribe');
    clock.advance(HOLD_MS - 100);
    await markerOccupied(b, 'vacated-marker-');
    assert.equal(named(receiver.accepted(), 'channel_vacated', channel).length, 0, 'still held 100 ms before the 3 s are over');
    clock.advance(100);
    await receiver.waitForEvents((events) => named(events, 'channel_vacated', channel).length > 0, `channel_vacated for ${channel}`);
    const delivery = receiver.deliveries.find((d) => d.events.some((e) => e.channel === channel && e.name === 'channel_vacated'))!;
    const delay = delivery.timeMs - leftAt;
    assert.ok(delay >= 2900 && delay < 6000, `channel_vacated sent ${delay} ms after the last leave (Pusher holds it 3 s)`);
    const [event] = named(receiver.accepted(), 'channel_vacated', channel);
    assert.deepEqual(Object.keys(event).sort(), ['channel', 'id', 'name']);
    assert.equal(named(receiver.accepted(), 'channel_vacated', channel).length, 1, 'one vacated for the channel');
  });

  it("sends member_added with the user_id at once, and member_removed about 3 s after the user's last socket leaves", async () => {
    const channel = unique('presence-members-');
    const ann = await client(APP, { id: 'ann', info: { name: 'Ann' } });
    const bob1 = await client(APP, { id: 'bob' });
    const bob2 = await client(APP, { id: 'bob' });
    await subscribed(ann, channel);
    await subscribed(bob1, channel);
    await subscribed(bob2, channel);
    await receiver.waitForEvents((events) => named(events, 'member_added', channel).length >= 2, 'member_added for ann and bob');
    const added = named(receiver.accepted(), 'member_added', channel);
    assert.deepEqual(
      added.map((e) => ({ name: e.name, channel: e.channel, user_id: e.user_id })).sort((x, y) => String(x.user_id).localeCompare(String(y.user_id))),
      [
        { name: 'member_added', channel, user_id: 'ann' },
        { name: 'member_added', channel, user_id: 'bob' },
      ],
    );
    for (const e of added) assert.deepEqual(Object.keys(e).sort(), ['channel', 'id', 'name', 'user_id']);

    // Bob's first socket leaving is not bob leaving.
    bob1.disconnect();
    const leftAt = clock.now();
    bob2.disconnect();
    await waitFor(async () => {
      const response = await serverSdk(herald, APP).get({ path: `/channels/${channel}/users` });
      const { users } = (await response.json()) as { users: Array<{ id: string }> };
      return users.length === 1 && users[0].id === 'ann';
    }, "bob's last socket to have left");
    clock.advance(HOLD_MS - 100);
    await markerOccupied(ann, 'members-marker-');
    assert.equal(named(receiver.accepted(), 'member_removed', channel).length, 0, 'still held 100 ms before the 3 s are over');
    clock.advance(100);
    await receiver.waitForEvents((events) => named(events, 'member_removed', channel).length > 0, 'member_removed for bob');
    const delivery = receiver.deliveries.find((d) => d.events.some((e) => e.channel === channel && e.name === 'member_removed'))!;
    assert.ok(delivery.timeMs - leftAt >= 2900, `member_removed held about 3 s (sent after ${delivery.timeMs - leftAt} ms)`);
    assert.deepEqual(
      named(receiver.accepted(), 'member_removed', channel).map((e) => ({ name: e.name, channel: e.channel, user_id: e.user_id })),
      [{ name: 'member_removed', channel, user_id: 'bob' }],
    );
    assert.equal(named(receiver.accepted(), 'member_added', channel).length, 2, "no member_added for bob's second socket");
  });

  it('cancels the held channel_vacated and member_removed when the page reloads within 3 s: no vacated/occupied pair, no removed/added pair', async () => {
    const channel = unique('reload-');
    const presence = unique('presence-reload-');
    const first = await client(APP, { id: 'reloader' });
    await subscribed(first, channel);
    await subscribed(first, presence);
    await receiver.waitForEvents(
      (events) => named(events, 'channel_occupied', channel).length === 1 && named(events, 'member_added', presence).length === 1,
      'the first occupied and member_added',
    );

    // Reload: the connection goes away entirely (both channels really become empty)...
    await vacate(herald, APP, first, channel, 'disconnect', [channel, presence]);
    // ...and the new page subscribes again well within the 3 s hold.
    const second = await client(APP, { id: 'reloader' });
    await subscribed(second, channel);
    await subscribed(second, presence);
    // A quick unsubscribe/subscribe on the same connection is a reload too.
    second.unsubscribe(channel);
    await subscribed(second, channel);

    // A marker channel vacated after the reload: its held vacated arrives after anything held for the reloaded channels would have.
    const marker = unique('reload-marker-');
    const markerClient = await client();
    await subscribed(markerClient, marker);
    await vacate(herald, APP, markerClient, marker, 'unsubscribe');
    clock.advance(HOLD_MS);
    await receiver.waitForEvents((events) => named(events, 'channel_vacated', marker).length === 1, "the marker's channel_vacated");

    const events = receiver.accepted();
    assert.equal(named(events, 'channel_vacated', channel).length, 0, 'no channel_vacated for the reloaded channel');
    assert.equal(named(events, 'channel_occupied', channel).length, 1, 'no second channel_occupied');
    assert.equal(named(events, 'channel_vacated', presence).length, 0);
    assert.equal(named(events, 'channel_occupied', presence).length, 1);
    assert.equal(named(events, 'member_removed', presence).length, 0, 'no member_removed for the reloading user');
    assert.equal(named(events, 'member_added', presence).length, 1, 'no second member_added');
  });

  it('does not repeat channel_occupied / member_added after a reload for an app that only wants those, but does once the 3 s have passed', async () => {
    const channel = unique('presence-arrivals-');
    const first = await client(ARRIVALS_APP, { id: 'frank' });
    await subscribed(first, channel);
    await arrivals.waitForEvents((events) => named(events, 'channel_occupied', channel).length === 1 && named(events, 'member_added', channel).length === 1, 'the first arrival');
    await vacate(herald, ARRIVALS_APP, first, channel, 'disconnect');
    const second = await client(ARRIVALS_APP, { id: 'frank' });
    await subscribed(second, channel);
    // Arrivals are sent at once, not held: a new channel's occupied after the reload comes after any repeat would have.
    const marker = unique('arrivals-marker-');
    await subscribed(second, marker);
    await arrivals.waitForEvents((events) => named(events, 'channel_occupied', marker).length === 1, "the marker's channel_occupied");
    assert.equal(named(arrivals.accepted(), 'channel_occupied', channel).length, 1, 'no second channel_occupied after a reload');
    assert.equal(named(arrivals.accepted(), 'member_added', channel).length, 1, 'no second member_added after a reload');

    // Gone for longer than the hold: coming back is a new arrival. (Nothing observable marks the
    // end of the hold for this app, so the clock is moved well past it.)
    await vacate(herald, ARRIVALS_APP, second, channel, 'disconnect', [channel, marker]);
    clock.advance(HOLD_MS + 500);
    const third = await client(ARRIVALS_APP, { id: 'frank' });
    await subscribed(third, channel);
    await arrivals.waitForEvents((events) => named(events, 'channel_occupied', channel).length === 2 && named(events, 'member_added', channel).length === 2, 'the second arrival');
    assert.equal(arrivals.accepted().filter((e) => e.name !== 'channel_occupied' && e.name !== 'member_added').length, 0);
  });

  it('sends client_event with event, data and socket_id, plus user_id on presence channels', async () => {
    const privateChannel = unique('private-chat-');
    const presenceChannel = unique('presence-chat-');
    const sender = await client(APP, { id: 'carla' });
    const listener = await client(APP, { id: 'dave' });
    const [senderPrivate, senderPresence] = [await subscribed(sender, privateChannel), await subscribed(sender, presenceChannel)];
    const [listenerPrivate, listenerPresence] = [await subscribed(listener, privateChannel), await subscribed(listener, presenceChannel)];
    const got = [nextEvent(listenerPrivate, 'client-typing'), nextEvent(listenerPresence, 'client-typing')];
    senderPrivate.trigger('client-typing', { where: 'private' });
    senderPresence.trigger('client-typing', { where: 'presence' });
    await Promise.all(got);
    await receiver.waitForEvents(
      (events) => named(events, 'client_event', privateChannel).length === 1 && named(events, 'client_event', presenceChannel).length === 1,
      'both client_event webhooks',
    );
    const socketId = sender.connection.socket_id;
    const [onPrivate] = named(receiver.accepted(), 'client_event', privateChannel);
    const [onPresence] = named(receiver.accepted(), 'client_event', presenceChannel);
    const { id: privateId, ...privateRest } = onPrivate;
    const { id: presenceId, ...presenceRest } = onPresence;
    assert.deepEqual(privateRest, { name: 'client_event', channel: privateChannel, event: 'client-typing', data: '{"where":"private"}', socket_id: socketId });
    assert.deepEqual(presenceRest, {
      name: 'client_event',
      channel: presenceChannel,
      event: 'client-typing',
      data: '{"where":"presence"}',
      socket_id: socketId,
      user_id: 'carla',
    });
    assert.notEqual(privateId, presenceId);
  });

  it('sends cache_miss when a cache channel with nothing cached gets a subscriber, and none once an event is cached', async () => {
    const channel = unique('cache-wh-');
    const c = await client();
    const missed = nextEvent(c.subscribe(channel), 'pusher:cache_miss');
    await missed;
    await receiver.waitForEvents((events) => named(events, 'cache_miss', channel).length === 1, 'cache_miss');
    const { id, ...rest } = named(receiver.accepted(), 'cache_miss', channel)[0];
    assert.deepEqual(rest, { name: 'cache_miss', channel });
    assert.equal(typeof id, 'string');

    await serverSdk(herald, APP).trigger(channel, 'cached', { v: 1 });
    const later = await client();
    const replayed = nextEvent(later.subscribe(channel), 'cached');
    assert.deepEqual(await replayed, { v: 1 });
    // A second miss on another channel after it, as the marker.
    const marker = unique('cache-wh-marker-');
    await nextEvent(later.subscribe(marker), 'pusher:cache_miss');
    await receiver.waitForEvents((events) => named(events, 'cache_miss', marker).length === 1, 'the marker cache_miss');
    assert.equal(named(receiver.accepted(), 'cache_miss', channel).length, 1, 'no cache_miss when the event was cached');
  });

  it("sends subscription_count with the channel's count when the app enables subscription counting", async () => {
    const channel = unique('counted-');
    const [a, b, c] = [await client(), await client(), await client()];
    for (const x of [a, b, c]) await subscribed(x, channel);
    // Counts are throttled to one a second: the clock moves a second at a time while waiting.
    const lastCount = () => named(receiver.accepted(), 'subscription_count', channel).at(-1)?.subscription_count;
    await waitAdvancing(clock, 1000, () => lastCount() === 3, 'subscription_count 3', 10_000);
    c.unsubscribe(channel);
    await waitAdvancing(clock, 1000, () => lastCount() === 2, 'subscription_count 2', 10_000);
    const last = named(receiver.accepted(), 'subscription_count', channel).at(-1)!;
    assert.deepEqual(Object.keys(last).sort(), ['channel', 'id', 'name', 'subscription_count']);
    for (const e of named(receiver.accepted(), 'subscription_count', channel)) {
      assert.ok(Number.isInteger(e.subscription_count) && (e.subscription_count as number) >= 1 && (e.subscription_count as number) <= 3);
    }

    // Presence channels have no subscription_count.
    const presence = unique('presence-counted-');
    const p = await client(APP, { id: 'counted' });
    await subscribed(p, presence);
    const marker = unique('counted-marker-');
    await subscribed(p, marker);
    await receiver.waitForEvents((events) => named(events, 'subscription_count', marker).length > 0, "the marker's subscription_count");
    assert.equal(receiver.accepted().filter((e) => e.name === 'subscription_count' && e.channel === presence).length, 0);
  });

  it('sends each webhook URL only the events listed in its `events`; every URL gets the same event ids', async () => {
    const channel = unique('presence-filtered-');
    const c = await client(FILTER_APP, { id: 'erin' });
    await subscribed(c, channel);
    await vacate(herald, FILTER_APP, c, channel, 'disconnect');
    clock.advance(HOLD_MS);
    await filteredAll.waitForEvents(
      (events) => named(events, 'channel_vacated', channel).length === 1 && named(events, 'member_removed', channel).length === 1,
      'vacated and member_removed at the unfiltered URL',
    );
    await filteredOnly.waitForEvents((events) => named(events, 'channel_vacated', channel).length === 1, 'vacated at the filtered URL');

    const names = (events: WebhookEvent[]) =>
      events
        .filter((e) => e.channel === channel)
        .map((e) => e.name)
        .sort();
    assert.deepEqual(names(filteredAll.accepted()), ['channel_occupied', 'channel_vacated', 'member_added', 'member_removed']);
    assert.deepEqual(names(filteredOnly.accepted()), ['channel_vacated', 'member_added']);
    for (const delivery of filteredOnly.deliveries) {
      for (const e of delivery.events) assert.ok(['member_added', 'channel_vacated'].includes(e.name as string), `${String(e.name)} is not listed`);
    }
    const idOf = (events: WebhookEvent[], name: string) => named(events, name, channel)[0].id;
    assert.equal(idOf(filteredOnly.accepted(), 'member_added'), idOf(filteredAll.accepted(), 'member_added'));
    assert.equal(idOf(filteredOnly.accepted(), 'channel_vacated'), idOf(filteredAll.accepted(), 'channel_vacated'));
    assert.equal(filteredAll.invalid + filteredOnly.invalid, 0);
  });

  it('batches: 30 channels occupied at once arrive in POSTs of at most 20 events, every one exactly once', async () => {
    const prefix = unique('batch-');
    const channels = Array.from({ length: 30 }, (_, i) => `${prefix}-${i}`);
    const c = await client(BATCH_APP);
    await Promise.all(channels.map((name) => subscribed(c, name)));
    await batchReceiver.waitForEvents((events) => events.filter((e) => channels.includes(e.channel as string)).length >= 30, 'all 30 channel_occupied');
    const deliveries = batchReceiver.deliveries.filter((d) => d.events.some((e) => channels.includes(e.channel as string)));
    const sizes = deliveries.map((d) => d.events.length);
    assert.ok(Math.max(...sizes) <= 20, `no POST has more than 20 events (sizes ${sizes.join(', ')})`);
    assert.ok(Math.max(...sizes) > 1, `events were batched (sizes ${sizes.join(', ')})`);
    const occupied = batchReceiver.accepted().filter((e) => channels.includes(e.channel as string));
    assert.deepEqual(occupied.map((e) => e.channel).sort(), [...channels].sort(), 'each channel once');
    assert.ok(occupied.every((e) => e.name === 'channel_occupied'));
    assert.equal(new Set(occupied.map((e) => e.id)).size, 30, 'distinct ids');
  });

  it('gives every event an id, distinct between events, and one channel_occupied per channel however many subscribe', () => {
    const events = receiver.accepted();
    assert.ok(events.length > 20);
    for (const e of events) assert.ok(typeof e.id === 'string' && e.id.length > 0, `${JSON.stringify(e)} has an id`);
    assert.equal(new Set(events.map((e) => e.id)).size, events.length, 'no event delivered twice or sharing an id');
    const occupiedPerChannel = new Map<unknown, number>();
    for (const e of events) if (e.name === 'channel_occupied') occupiedPerChannel.set(e.channel, (occupiedPerChannel.get(e.channel) ?? 0) + 1);
    assert.ok(occupiedPerChannel.size > 5);
    for (const [channel, n] of occupiedPerChannel) assert.equal(n, 1, `one channel_occupied for ${String(channel)}`);
  });
});

describe('webhook delivery failures', () => {
  let herald: TestHerald;
  let retryReceiver: WebhookReceiver;
  let slowReceiver: WebhookReceiver;
  let deadReceiver: WebhookReceiver;
  let gate: Gate;
  const clients: PusherJs[] = [];
  const RETRY_APP: TestApp = { id: 'wh-retry', key: 'wh-retry-key', secret: 'wh-retry-secret' };
  const SLOW_APP: TestApp = { id: 'wh-slow', key: 'wh-slow-key', secret: 'wh-slow-secret' };
  const DEAD_APP: TestApp = { id: 'wh-dead', key: 'wh-dead-key', secret: 'wh-dead-secret' };
  const TIMEOUT_MS = 500;
  const RETRY_WINDOW_MS = 3000;
  /** The back-off after a first failure: 1 s, up to 10 % shorter. */
  const FIRST_RETRY_MS = { min: 900, max: 1000 };
  const clock = new ManualClock(Date.now());

  before(async () => {
    retryReceiver = await startWebhookReceiver(RETRY_APP);
    slowReceiver = await startWebhookReceiver(SLOW_APP);
    deadReceiver = await startWebhookReceiver(DEAD_APP);
    gate = await startGate();
    RETRY_APP.webhooks = [{ url: retryReceiver.url, events: ['channel_occupied'] }];
    SLOW_APP.webhooks = [{ url: slowReceiver.url, events: ['channel_occupied'] }];
    DEAD_APP.webhooks = [{ url: gate.url, events: ['channel_occupied'] }];
    herald = await startTestHerald({
      apps: [RETRY_APP, SLOW_APP, DEAD_APP],
      env: { HERALD_WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS), HERALD_WEBHOOK_RETRY_WINDOW_MS: String(RETRY_WINDOW_MS) },
      clock,
    });
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    await herald.stop();
    for (const r of [retryReceiver, slowReceiver, deadReceiver]) {
      assert.equal(r.invalid, 0);
      await r.close();
    }
    await gate.close();
  });

  async function occupy(app: TestApp, channel: string): Promise<void> {
    const c = await connectedClient(herald, app);
    clients.push(c);
    await subscribed(c, channel);
  }

  /** Failed attempts Herald has counted: each one's retry is waiting on the clock from then on. */
  async function failedAttempts(): Promise<number> {
    const metrics = await (await fetch(`${herald.httpUrl}/metrics`)).text();
    return Number(/^herald_webhooks_failed_attempts_total(?:{[^}]*})? (\d+)/m.exec(metrics)?.[1] ?? 0);
  }

  async function failuresCounted(n: number, what: string): Promise<void> {
    await waitFor(async () => (await failedAttempts()) >= n, what);
  }

  it('retries after a 500: the event arrives on the next attempt with the same id', async () => {
    retryReceiver.respondWith(500);
    const failed = await failedAttempts();
    const channel = unique('retried-');
    await occupy(RETRY_APP, channel);
    await failuresCounted(failed + 1, 'the refused attempt');
    // Just short of the shortest back-off nothing is retried: a marker's channel_occupied, sent after, arrives without it.
    clock.advance(FIRST_RETRY_MS.min - 1);
    const marker = unique('retried-marker-');
    await occupy(RETRY_APP, marker);
    await retryReceiver.waitForEvents((events) => named(events, 'channel_occupied', marker).length > 0, 'the marker channel_occupied');
    assert.equal(retryReceiver.deliveries.filter((d) => d.events.some((e) => e.channel === channel)).length, 1, 'no retry before the back-off');
    clock.advance(FIRST_RETRY_MS.max - FIRST_RETRY_MS.min + 1);
    await retryReceiver.waitForEvents((events) => named(events, 'channel_occupied', channel).length > 0, 'the retried channel_occupied');
    const attempts = retryReceiver.deliveries.filter((d) => d.events.some((e) => e.channel === channel));
    assert.equal(attempts.length, 2, 'refused once, accepted on the retry');
    assert.deepEqual(attempts[1].events, attempts[0].events, 'the same events, ids included, so the receiver can de-duplicate');
    assert.ok(attempts[1].timeMs - attempts[0].timeMs >= 900, 'the retry waited for the back-off (1 s)');
    assert.equal(named(retryReceiver.accepted(), 'channel_occupied', channel).length, 1);
  });

  it(`counts a receiver slower than the timeout (${TIMEOUT_MS} ms) as a failure and retries`, async () => {
    slowReceiver.setDelay(TIMEOUT_MS * 3);
    const failed = await failedAttempts();
    const channel = unique('slow-');
    await occupy(SLOW_APP, channel);
    await waitFor(() => slowReceiver.deliveries.some((d) => d.events.some((e) => e.channel === channel)), 'the first (slow) attempt');
    slowReceiver.setDelay(0);
    // The timeout is real time (the HTTP request's); the back-off after it is Herald's clock.
    await failuresCounted(failed + 1, 'the timed-out attempt');
    clock.advance(FIRST_RETRY_MS.max);
    await waitFor(() => slowReceiver.deliveries.filter((d) => d.events.some((e) => e.channel === channel)).length >= 2, 'a second attempt', 10_000);
    const attempts = slowReceiver.deliveries.filter((d) => d.events.some((e) => e.channel === channel));
    assert.deepEqual(
      attempts[1].events.map((e) => e.id),
      attempts[0].events.map((e) => e.id),
      'the retry carries the same ids',
    );
    assert.ok(attempts[1].receivedAt - attempts[0].receivedAt >= TIMEOUT_MS, 'the retry came after the timeout');
    const dead = (await (await serverSdk(herald, SLOW_APP).get({ path: '/webhooks/dead_letters' })).json()) as { count: number };
    assert.equal(dead.count, 0, 'the answered retry is not dead-lettered');
  });

  it('dead-letters events a receiver keeps refusing past the retry window; replay delivers them once it is fixed and empties the list', async () => {
    gate.status = 503;
    const failed = await failedAttempts();
    const channels = [unique('dead-a-'), unique('dead-b-')];
    for (const channel of channels) await occupy(DEAD_APP, channel);
    await failuresCounted(failed + 2, 'both first attempts refused');
    const sdk = serverSdk(herald, DEAD_APP);
    type DeadLetters = { count: number; dead_letters: Array<{ id: string; name: string; channel: string; reason: string; dead_at_ms: number }> };
    const list = async () => (await (await sdk.get({ path: '/webhooks/dead_letters' })).json()) as DeadLetters;
    // Herald's clock runs on a quarter second per look until the retry window is over.
    const dead = await waitAdvancing(
      clock,
      250,
      async () => {
        const body = await list();
        return body.count === 2 ? body : undefined;
      },
      'both events in the dead letters',
      RETRY_WINDOW_MS + 7000,
    );
    assert.deepEqual(dead.dead_letters.map((l) => l.channel).sort(), [...channels].sort());
    for (const letter of dead.dead_letters) {
      assert.equal(letter.name, 'channel_occupied');
      assert.ok(letter.id.length > 0);
      assert.match(letter.reason, /503/);
      assert.equal(typeof letter.dead_at_ms, 'number');
    }
    const attemptsPerChannel = channels.map((channel) => gate.requests.filter((r) => r.body.includes(`"${channel}"`)).length);
    for (const n of attemptsPerChannel) assert.ok(n >= 2, `retried before giving up (${attemptsPerChannel.join(', ')} attempts)`);

    // Other apps see only their own dead letters, and the list needs a signed request.
    const other = (await (await serverSdk(herald, RETRY_APP).get({ path: '/webhooks/dead_letters' })).json()) as DeadLetters;
    assert.equal(other.count, 0);
    const unsigned = await fetch(`${herald.httpUrl}/apps/${DEAD_APP.id}/webhooks/dead_letters`);
    assert.equal(unsigned.status, 401);
    const wrongSecret = await signedRequest(herald, { ...DEAD_APP, secret: 'wrong' }, { method: 'POST', path: `/apps/${DEAD_APP.id}/webhooks/dead_letters/replay`, body: {} });
    assert.equal(wrongSecret.status, 401);
    assert.equal((await list()).count, 2, 'a refused replay replays nothing');

    // Fixed: the replay delivers them, with the ids they had, and the list empties.
    gate.forwardTo = deadReceiver.url;
    const replay = await sdk.post({ path: '/webhooks/dead_letters/replay', body: NO_BODY });
    assert.equal(replay.status, 200);
    assert.deepEqual(await replay.json(), { replayed: 2 });
    await deadReceiver.waitForEvents((events) => channels.every((channel) => named(events, 'channel_occupied', channel).length === 1), 'the replayed events');
    const delivered = deadReceiver.accepted().filter((e) => channels.includes(e.channel as string));
    assert.deepEqual(delivered.map((e) => e.id).sort(), dead.dead_letters.map((l) => l.id).sort(), 'replayed with their original ids');
    assert.deepEqual(await list(), { count: 0, dead_letters: [] });
    const again = await sdk.post({ path: '/webhooks/dead_letters/replay', body: NO_BODY });
    assert.deepEqual(await again.json(), { replayed: 0 });
  });
});
