/**
 * Nothing answered 200 is lost across NATS outages. Under a steady publish load, nats-server
 * is restarted several times, as a rolling upgrade does (SIGTERM: JetStream closes its store),
 * and on a 3-node NATS cluster with the journal on 3 replicas the node under a gateway is
 * killed outright (SIGKILL). Either way the api may reconnect, or never have been cut off,
 * before a gateway has re-created its subscriptions. Every event the api answered 200 for must reach every client that was
 * subscribed and kept its connection — exactly once — thanks to the event journal the
 * gateways replay from (gateway/src/gap-recovery.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type PusherJs from 'pusher-js';
import { type NatsCluster, type NatsServer, startNatsCluster, startNatsServer } from '../helpers/nats';
import { collect, connectedClient, subscribed } from '../helpers/pusher-clients';
import { waitFor } from '../helpers/wait';
import { TestCluster } from './cluster-fixture';

const CHANNELS = ['feed-a', 'feed-b'];
/** One publish every 5 ms: ~200 events/s, as the reproduction. */
const PUBLISH_EVERY_MS = 5;
const MAX_IN_FLIGHT = 50;

interface Watcher {
  readonly name: string;
  readonly client: PusherJs;
  readonly received: Map<string, Array<{ n: number }>>;
  /** Every connection state pusher-js went through after the test began. */
  readonly states: string[];
}

async function watchers(cluster: TestCluster, perGateway: number): Promise<Watcher[]> {
  const all: Watcher[] = [];
  for (const [g, gateway] of cluster.gateways.entries()) {
    for (let i = 0; i < perGateway; i++) {
      const client = await connectedClient({ port: gateway.port }, cluster.app);
      const received = new Map<string, Array<{ n: number }>>();
      for (const name of CHANNELS) received.set(name, collect<{ n: number }>(await subscribed(client, name), 'tick'));
      const states: string[] = [];
      client.connection.bind('state_change', ({ current }: { current: string }) => states.push(current));
      all.push({ name: `gateway-${g + 1}/client-${i + 1}`, client, received, states });
    }
  }
  return all;
}

/** Publishes ticks at a steady rate until `stop` resolves; returns the ticks answered 200, per channel. */
interface Load {
  /** The ticks answered 200, per channel. */
  readonly answered: Map<string, number[]>;
  refused: number;
  /** The next tick's number. */
  sent: number;
}

async function publishUntil(cluster: TestCluster, stop: Promise<void>, load: Load): Promise<void> {
  const sdk = cluster.sdk();
  const { answered } = load;
  let stopped = false;
  void stop.then(() => (stopped = true));
  const inFlight = new Set<Promise<void>>();
  for (; !stopped; load.sent++) {
    const n = load.sent;
    const channel = CHANNELS[n % CHANNELS.length];
    if (inFlight.size < MAX_IN_FLIGHT) {
      const request = sdk.trigger(channel, 'tick', { n }).then(
        (response) => {
          if (response.status === 200) answered.get(channel)?.push(n);
          else load.refused += 1;
        },
        () => {
          load.refused += 1;
        },
      );
      const tracked = request.finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
    } else {
      load.refused += 1; // not sent: counted with the refusals
    }
    await new Promise((resolve) => setTimeout(resolve, PUBLISH_EVERY_MS));
  }
  await Promise.all(inFlight);
}

const newLoad = (): Load => ({ answered: new Map(CHANNELS.map((c) => [c, []])), refused: 0, sent: 0 });

/** Ticks numbered from `from` on that were answered 200: the load went on through the fault. */
const answeredFrom = (load: Load, from: number) => [...load.answered.values()].flat().filter((n) => n >= from).length;

/** Every watcher got every answered tick of every channel exactly once, and kept its connection. */
async function assertEveryAnsweredEventDelivered(watching: Watcher[], answered: Map<string, number[]>): Promise<void> {
  const total = [...answered.values()].reduce((sum, ticks) => sum + ticks.length, 0);
  const missing = (w: Watcher) =>
    CHANNELS.flatMap((c) => {
      const got = new Set((w.received.get(c) ?? []).map((t) => t.n));
      return (answered.get(c) ?? []).filter((n) => !got.has(n)).map((n) => `${c}#${n}`);
    });
  try {
    await waitFor(() => watching.every((w) => missing(w).length === 0), 'every answered event at every client', 30_000, 100);
  } catch {
    // Fall through: the assertions below say what is missing, where.
  }
  for (const w of watching) {
    assert.deepEqual(w.states, [], `${w.name} kept its connection`);
    const lost = missing(w);
    assert.equal(lost.length, 0, `${w.name} missed ${lost.length} of ${total} events answered 200: ${lost.slice(0, 20).join(', ')}`);
    for (const c of CHANNELS) {
      const ticks = (w.received.get(c) ?? []).map((t) => t.n);
      assert.equal(new Set(ticks).size, ticks.length, `${w.name} got no event twice on ${c}`);
    }
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// A single nats-server killed with SIGKILL can lose what JetStream acknowledged in its last
// milliseconds (its file store writes asynchronously), which is why the kill is tested on
// three replicas below and the single server is restarted the way an upgrade restarts it.
describe('cluster: events answered 200 survive nats-server restarts', () => {
  let nats: NatsServer;
  let cluster: TestCluster;
  let watching: Watcher[] = [];

  before(async () => {
    nats = await startNatsServer();
    cluster = await TestCluster.start({ natsUrls: [nats.url], gateways: 2, presence: 1 });
    watching = await watchers(cluster, 2);
  });
  after(async () => {
    for (const w of watching) w.client.disconnect();
    await cluster?.stop();
    await nats?.stop();
  });

  it('delivers every answered event to every client after three restarts under load', async () => {
    let restarts!: () => void;
    const done = new Promise<void>((resolve) => (restarts = resolve));
    const load = newLoad();
    const publishing = publishUntil(cluster, done, load);
    await sleep(1_000);
    for (let i = 0; i < 3; i++) {
      const before = load.sent;
      await nats.kill('SIGTERM');
      await nats.restart();
      await waitFor(() => answeredFrom(load, before) > 100, `publishing to go on after restart ${i + 1}`, 20_000, 100).catch(() => undefined);
      assert.ok(answeredFrom(load, before) > 100, `publishing went on through restart ${i + 1} (${answeredFrom(load, before)} answered 200, ${load.refused} refused)`);
    }
    restarts();
    await publishing;
    await assertEveryAnsweredEventDelivered(watching, load.answered);
  });
});

describe('cluster: events answered 200 survive a NATS node dying under a gateway', () => {
  let nats: NatsCluster;
  let cluster: TestCluster;
  let watching: Watcher[] = [];

  before(async () => {
    nats = await startNatsCluster(3);
    // A new cluster elects its JetStream meta leader after its routes form; Herald's stores are
    // created at start, so wait until every node says JetStream is healthy (a busy machine took > 15 s).
    for (const server of nats.servers) {
      await waitFor(async () => (await fetch(`http://127.0.0.1:${server.monitorPort}/healthz`)).status === 200, `${server.name} JetStream healthy`, 30_000, 100);
    }
    // Each process picks a node at random; the journal is on all three so one may die.
    cluster = await TestCluster.start({ natsUrls: nats.urls, gateways: 2, presence: 1, env: { HERALD_EVENT_JOURNAL_REPLICAS: '3' } });
    watching = await watchers(cluster, 2);
  });
  after(async () => {
    for (const w of watching) w.client.disconnect();
    await cluster?.stop();
    await nats?.stop();
  });

  it('delivers every answered event to every client after the node under a gateway is killed', async () => {
    let finished!: () => void;
    const done = new Promise<void>((resolve) => (finished = resolve));
    const load = newLoad();
    const publishing = publishUntil(cluster, done, load);
    await sleep(1_000);
    const connz = await Promise.all(nats.servers.map((s) => s.monitor<{ connections?: Array<{ name?: string }> }>('/connz')));
    const underGateway = nats.servers.find((_, i) => connz[i].connections?.some((c) => c.name?.includes('-gateway-')));
    assert.ok(underGateway, 'a gateway is attached to one of the nodes');
    const before = load.sent;
    await underGateway.kill('SIGKILL');
    await waitFor(() => answeredFrom(load, before) > 100, 'publishing to go on after the node died', 20_000, 100).catch(() => undefined);
    finished();
    await publishing;
    assert.ok(answeredFrom(load, before) > 100, `publishing went on after the node died (${answeredFrom(load, before)} answered 200, ${load.refused} refused)`);
    await assertEveryAnsweredEventDelivered(watching, load.answered);
  });
});
