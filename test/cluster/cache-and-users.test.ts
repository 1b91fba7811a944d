/**
 * Cache channels and signed-in users across two gateway processes on NATS: the cached event
 * lives in JetStream KV (shared by the api and every gateway, so a restarted gateway still
 * replays it), cache misses reach the `herald webhooks` process, and server-to-user events,
 * terminate-connections and watchlists reach a user's sockets on whichever gateway they are.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type PusherJs from 'pusher-js';
import type { Channel } from 'pusher-js';
import { type NatsServer, startNatsServer } from '../helpers/nats';
import { connectedClient, signedIn, subscribed } from '../helpers/pusher-clients';
import type { TestApp } from '../helpers/test-herald';
import { waitFor, within } from '../helpers/wait';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver';
import { TestCluster } from './cluster-fixture';

const APP: TestApp = { id: 'cu-app', key: 'cu-key', secret: 'cu-secret', watchlistEvents: true };

const unique = (prefix: string) => `${prefix}${randomBytes(4).toString('hex')}`;

interface Seen {
  readonly event: string;
  readonly data: unknown;
}

describe('cluster: cache channels and users across gateways', () => {
  let nats: NatsServer;
  let cluster: TestCluster;
  let receiver: WebhookReceiver;
  const clients: PusherJs[] = [];

  before(async () => {
    nats = await startNatsServer();
    receiver = await startWebhookReceiver(APP);
    APP.webhooks = [{ url: receiver.url, events: ['cache_miss'] }];
    cluster = await TestCluster.start({ natsUrls: [nats.url], apps: [APP], webhooks: 1 });
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    await cluster?.stop();
    await nats?.stop();
    if (receiver) {
      assert.equal(receiver.invalid, 0, "every webhook passed the pusher SDK's signature check");
      await receiver.close();
    }
  });

  const gateway = (index: number) => ({ port: cluster.gateways[index].port });

  async function client(index: number, user?: string): Promise<PusherJs> {
    const c = await connectedClient(gateway(index), APP, user ? { user: { id: user } } : {});
    clients.push(c);
    return c;
  }

  async function user(index: number, id: string, watchlist?: string[]): Promise<PusherJs> {
    const c = await signedIn(gateway(index), APP, { id, watchlist });
    clients.push(c);
    return c;
  }

  /** A new subscriber on gateway `index`: every event its channel emits, in order, from subscription_succeeded on. */
  async function newSubscriber(index: number, name: string): Promise<{ channel: Channel; seen: Seen[] }> {
    const c = await client(index, unique('u-'));
    const channel = c.subscribe(name);
    const seen: Seen[] = [];
    channel.bind_global((event: string, data: unknown) => seen.push({ event, data }));
    await subscribed(c, name);
    return { channel, seen };
  }

  /**
   * What a new subscriber on gateway `index` is sent first: subscription_succeeded and then the
   * cached event or pusher:cache_miss. (No marker event here: on a cache channel it would
   * become the cached event.)
   */
  async function firstTwo(index: number, name: string): Promise<Seen[]> {
    const { seen } = await newSubscriber(index, name);
    await waitFor(() => seen.length >= 2, `the cached event or a miss on ${name}`);
    return seen.slice(0, 2);
  }

  const channelInfo = async (name: string) => (await (await cluster.sdk().get({ path: `/channels/${name}` })).json()) as { occupied: boolean };

  describe('cache channels', () => {
    it('replays an event published through the api to a new subscriber on either gateway, and after a gateway restart', async () => {
      const name = unique('cache-price-');
      assert.equal((await cluster.sdk().trigger(name, 'price', { eur: 42 })).status, 200);
      const expected = [
        { event: 'pusher:subscription_succeeded', data: {} },
        { event: 'price', data: { eur: 42 } },
      ];
      assert.deepEqual(await firstTwo(1, name), expected, 'gateway 2 replays it right after subscription_succeeded');
      assert.deepEqual(await firstTwo(0, name), expected, 'gateway 1 too');

      // A gateway process that never saw the event (a restart: SIGKILL, new process, same port) still has it.
      await cluster.restartGateway(1);
      assert.deepEqual(await firstTwo(1, name), expected, 'the restarted gateway replays it from JetStream KV');

      // The latest event replaces it everywhere.
      await cluster.sdk().trigger(name, 'price', { eur: 43 });
      assert.deepEqual(await firstTwo(0, name), [expected[0], { event: 'price', data: { eur: 43 } }]);
      assert.deepEqual(await firstTwo(1, name), [expected[0], { event: 'price', data: { eur: 43 } }]);
    });

    it('caches a client event on one gateway for a subscriber on the other', async () => {
      const name = unique('private-cache-cursor-');
      const sender = await client(0);
      const channel = await subscribed(sender, name);
      channel.trigger('client-cursor', { x: 3, y: 4 });
      // The sending gateway stores it without holding the event up: a subscriber may come before it is stored.
      const replayed = await waitFor(async () => {
        const seen = await firstTwo(1, name);
        return seen[1].event === 'client-cursor' ? seen : undefined;
      }, 'the client event replayed by the other gateway');
      assert.deepEqual(replayed, [
        { event: 'pusher:subscription_succeeded', data: {} },
        { event: 'client-cursor', data: { x: 3, y: 4 } },
      ]);
    });

    it('never sends a subscriber the cached event after a newer live one, while events keep coming', async () => {
      const name = unique('cache-ticker-');
      let published = 0;
      let publishing = true;
      const publisher = (async () => {
        while (publishing) {
          published += 1;
          await cluster.sdk().trigger(name, 'tick', { n: published });
        }
      })();
      await waitFor(() => published >= 5, 'the first ticks');
      // Subscribers arrive while ticks are published: each one's fetch of the cached tick from
      // JetStream KV overlaps live ticks for the same socket.
      const subscribers = await Promise.all(Array.from({ length: 12 }, (_, i) => newSubscriber(i % 2, name)));
      const from = published;
      await waitFor(() => published >= from + 10, 'ten more ticks');
      publishing = false;
      await publisher;
      for (const { seen } of subscribers) {
        await waitFor(() => seen.some((s) => s.event === 'tick' && (s.data as { n: number }).n === published), 'the last tick');
        const ticks = seen.filter((s) => s.event === 'tick').map((s) => (s.data as { n: number }).n);
        assert.equal(seen[1].event, 'tick', 'the first thing after subscription_succeeded is a tick (cached or live)');
        // In order; the one repeat allowed is the replayed tick arriving live too (the cache
        // can be read after the api stored a tick and before its live copy reached this gateway).
        for (let i = 1; i < ticks.length; i++) {
          assert.ok(ticks[i] > ticks[i - 1] || (i === 1 && ticks[1] === ticks[0]), `ticks in order: ${ticks.join(',')}`);
        }
      }
    });

    it('sends pusher:cache_miss when nothing is cached, and the cache_miss webhook through herald webhooks', async () => {
      const name = unique('cache-empty-');
      const subscriber = await newSubscriber(1, name);
      await waitFor(() => subscriber.seen.some((s) => s.event === 'pusher:cache_miss'), 'pusher:cache_miss');
      assert.deepEqual(
        subscriber.seen.map((s) => s.event),
        ['pusher:subscription_succeeded', 'pusher:cache_miss'],
      );
      await receiver.waitForEvents((events) => events.some((e) => e.name === 'cache_miss' && e.channel === name), `the cache_miss webhook for ${name}`);
      const [event] = receiver.accepted().filter((e) => e.channel === name);
      assert.deepEqual(Object.keys(event).sort(), ['channel', 'id', 'name']);
      assert.equal(event.name, 'cache_miss');
    });
  });

  describe('users', () => {
    it('delivers sendToUser to every socket of the user on both gateways, and to no one else', async () => {
      const [ann1, ann2, ben] = [await user(0, 'ann'), await user(1, 'ann'), await user(1, 'ben')];
      const got = (c: PusherJs) => within(new Promise((resolve) => c.user.bind('invoice', resolve)), 'the invoice');
      const [g1, g2] = [got(ann1), got(ann2)];
      const benGot: unknown[] = [];
      ben.user.bind('invoice', (d: unknown) => benGot.push(d));
      assert.equal((await cluster.sdk().sendToUser('ann', 'invoice', { total: 42 })).status, 200);
      assert.deepEqual(await g1, { total: 42 }, 'ann on gateway 1');
      assert.deepEqual(await g2, { total: 42 }, 'ann on gateway 2');
      const marker = within(new Promise((resolve) => ben.user.bind('marker', resolve)), 'marker for ben');
      await cluster.sdk().sendToUser('ben', 'marker', {});
      await marker;
      assert.deepEqual(benGot, [], "ben never got ann's event");
    });

    it("terminates every connection of the user on both gateways, no one else's", async () => {
      const [tom1, tom2, tim] = [await user(0, 'tom'), await user(1, 'tom'), await user(1, 'tim')];
      const closedStates = [tom1, tom2].map(
        (c) => new Promise<string>((resolve) => c.connection.bind('state_change', (s: { current: string }) => s.current !== 'connected' && resolve(s.current))),
      );
      assert.equal((await cluster.sdk().terminateUserConnections('tom')).status, 200);
      const states = await within(Promise.all(closedStates), "both of tom's sockets to close");
      for (const state of states) assert.notEqual(state, 'connected');
      // Terminated for good (4009: pusher-js does not reconnect), the other user untouched.
      await waitFor(() => tom1.connection.state === 'disconnected' && tom2.connection.state === 'disconnected', "tom's clients to stay disconnected");
      assert.equal(tim.connection.state, 'connected');
      const timGot = within(new Promise((resolve) => tim.user.bind('still-here', resolve)), 'tim still gets his events');
      await cluster.sdk().sendToUser('tim', 'still-here', {});
      await timGot;
    });

    it('sends watchlist online/offline across gateways: online at the first socket anywhere, offline after the last', async () => {
      const watcher = await user(0, 'wendy', ['oscar', 'olga']);
      const online: string[] = [];
      const offline: string[] = [];
      watcher.user.watchlist.bind('online', (e: { user_ids: string[] }) => online.push(...e.user_ids));
      watcher.user.watchlist.bind('offline', (e: { user_ids: string[] }) => offline.push(...e.user_ids));

      const oscar2 = await user(1, 'oscar');
      await waitFor(() => online.includes('oscar'), 'oscar online (signed in on gateway 2)');
      const oscar1 = await user(0, 'oscar');
      // oscar's gateway-2 socket leaves; its channel emptying shows presence has heard it.
      const tab = unique('oscar-tab-');
      await subscribed(oscar2, tab);
      oscar2.disconnect();
      await waitFor(async () => !(await channelInfo(tab)).occupied, "oscar's gateway-2 socket to be gone");
      // olga signing in on gateway 2 afterwards is a marker: an `offline` for oscar would come before her `online`.
      const olga = await user(1, 'olga');
      await waitFor(() => online.includes('olga'), 'olga online');
      assert.equal(offline.length, 0, 'oscar is still online on gateway 1');
      oscar1.disconnect();
      await waitFor(() => offline.includes('oscar'), 'oscar offline after his last socket left');
      assert.deepEqual(online, ['oscar', 'olga'], 'one online per user, not one per socket');
      assert.deepEqual(offline, ['oscar']);

      // A watcher signing in later on the other gateway learns at once who is online.
      const late = await connectedClient(gateway(1), APP, { signinUser: { id: 'walter', watchlist: ['olga', 'oscar'] } });
      clients.push(late);
      const initial = new Promise<string[]>((resolve) => late.user.watchlist.bind('online', (e: { user_ids: string[] }) => resolve(e.user_ids)));
      late.signin();
      assert.deepEqual(await within(initial, 'the initial online list'), ['olga']);
      olga.disconnect();
    });
  });
});
