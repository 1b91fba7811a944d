/**
 * What must be counted over the whole cluster, not per gateway: an app's connections against
 * its maxConnections (the connection past it is refused with 4004 on whichever gateway it
 * arrives), and the subscription count pusher-js reports as pusher:subscription_count.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { connect, type NatsConnection } from 'nats';
import type PusherJs from 'pusher-js';
import type { Channel } from 'pusher-js';
import { subjects } from '../../services/core/src/bus/subjects';
import { ConnectionTotals } from '../../services/core/src/codec/messages';
import { type NatsServer, startNatsServer } from '../helpers/nats';
import { collect, connectedClient, createClient, subscribed } from '../helpers/pusher-clients';
import type { TestApp } from '../helpers/test-herald';
import { waitFor, within } from '../helpers/wait';
import { TestCluster } from './cluster-fixture';

const LIMIT = 4;
const TIGHT: TestApp = { id: 'cc-tight', key: 'cc-tight-key', secret: 'cc-tight-secret', limits: { maxConnections: LIMIT } };
const COUNTED: TestApp = { id: 'cc-counted', key: 'cc-counted-key', secret: 'cc-counted-secret', subscriptionCountEvents: true };

interface PusherErrorEvent {
  error?: { data: { code: number | null; message: string } };
}

interface CountEvent {
  subscription_count: number;
}

const unique = (prefix: string) => `${prefix}${randomBytes(4).toString('hex')}`;

describe('cluster: counted over the whole cluster', () => {
  let nats: NatsServer;
  let cluster: TestCluster;
  /** Listens to what presence tells the gateways about every gateway's connections. */
  let observer: NatsConnection;
  /** App id → connections cluster-wide, as of presence's last broadcast. */
  let broadcastTotals = new Map<string, number>();
  const clients: PusherJs[] = [];

  before(async () => {
    nats = await startNatsServer();
    cluster = await TestCluster.start({ natsUrls: [nats.url], apps: [TIGHT, COUNTED] });
    observer = await connect({ servers: nats.url, name: 'counts-test-observer' });
    observer.subscribe(subjects.connectionTotals, {
      callback: (_err, msg) => {
        const totals = new Map<string, number>();
        for (const entry of ConnectionTotals.decode(msg.data).entries) totals.set(entry.appId, (totals.get(entry.appId) ?? 0) + entry.count);
        broadcastTotals = totals;
      },
    });
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    await observer?.close();
    await cluster?.stop();
    await nats?.stop();
  });

  async function client(gateway: number, app: TestApp): Promise<PusherJs> {
    const c = await connectedClient({ port: cluster.gateways[gateway].port }, app);
    clients.push(c);
    return c;
  }

  /** Waits until presence has told the gateways that the app has `count` connections cluster-wide. */
  const gatewaysKnow = (app: TestApp, count: number) => waitFor(() => (broadcastTotals.get(app.id) ?? 0) === count, `presence to broadcast ${count} connections of ${app.id}`);

  /** A pusher-js client on `gateway` that the server should refuse: resolves with its pusher:error. */
  async function refused(gateway: number, app: TestApp): Promise<PusherErrorEvent> {
    const c = createClient({ port: cluster.gateways[gateway].port }, app);
    clients.push(c);
    const outcome = await within(
      new Promise<PusherErrorEvent | 'connected'>((resolve) => {
        c.connection.bind('error', resolve);
        c.connection.bind('connected', () => resolve('connected'));
      }),
      `a connection to gateway ${gateway + 1} to be answered`,
    );
    assert.notEqual(outcome, 'connected', `connection ${LIMIT + 1} was admitted by gateway ${gateway + 1}`);
    await waitFor(() => c.connection.state === 'disconnected', 'pusher-js to give up (4004: no reconnect)');
    return outcome as PusherErrorEvent;
  }

  describe('maxConnections', () => {
    it(`refuses connection ${LIMIT + 1} with 4004 on either gateway when ${LIMIT} are spread over both; a freed place is reusable anywhere`, async () => {
      // Two on each gateway: neither gateway alone is at the limit.
      const held = [await client(0, TIGHT), await client(1, TIGHT), await client(0, TIGHT), await client(1, TIGHT)];
      await gatewaysKnow(TIGHT, LIMIT);
      for (const gateway of [0, 1]) {
        const error = await refused(gateway, TIGHT);
        assert.equal(error.error?.data.code, 4004, `gateway ${gateway + 1} refuses with 4004`);
        assert.match(error.error?.data.message ?? '', /over connection quota/i);
      }
      for (const c of held) assert.equal(c.connection.state, 'connected', 'the connections within the limit stay');
      // Another app is not limited by it.
      const other = [await client(0, COUNTED), await client(1, COUNTED)];
      for (const c of other) assert.equal(c.connection.state, 'connected');

      // A place freed on gateway 1 can be taken on gateway 2, and then the app is full again.
      held[0].disconnect();
      await gatewaysKnow(TIGHT, LIMIT - 1);
      held.push(await client(1, TIGHT));
      await gatewaysKnow(TIGHT, LIMIT);
      assert.equal((await refused(0, TIGHT)).error?.data.code, 4004);
    });
  });

  describe('subscription counts', () => {
    it('tells subscribers on both gateways the cluster-wide count as subscribers join and leave', async () => {
      const name = unique('counted-');
      const [a, b, c] = [await client(0, COUNTED), await client(1, COUNTED), await client(0, COUNTED)];
      const channels: Channel[] = [];
      const seen: CountEvent[][] = [];
      for (const x of [a, b, c]) {
        const channel = x.subscribe(name);
        seen.push(collect<CountEvent>(channel, 'pusher:subscription_count'));
        await subscribed(x, name);
        channels.push(channel);
      }
      const converge = async (count: number, upTo: number, what: string) => {
        await waitFor(() => seen.slice(0, upTo).every((events) => events.at(-1)?.subscription_count === count), `${what}: told ${count}`);
        for (const channel of channels.slice(0, upTo)) {
          assert.equal((channel as Channel & { subscriptionCount: number | null }).subscriptionCount, count, 'pusher-js keeps the count on the channel');
        }
        const response = await cluster.sdk(COUNTED).get({ path: `/channels/${name}`, params: { info: 'subscription_count' } });
        assert.deepEqual(await response.json(), { occupied: true, subscription_count: count }, 'the HTTP API agrees');
      };

      // a and c on gateway 1, b on gateway 2: every one is told 3.
      await converge(3, 3, 'three subscribers on two gateways');
      for (const events of seen) {
        for (const e of events) assert.ok(Number.isInteger(e.subscription_count) && e.subscription_count >= 1 && e.subscription_count <= 3, JSON.stringify(e));
      }
      c.unsubscribe(name);
      // Gateway 2's subscriber learns of a leave on gateway 1, and the other way round.
      await converge(2, 2, 'one unsubscribed on gateway 1');
      b.disconnect();
      await converge(1, 1, 'one disconnected on gateway 2');
    });
  });
});
