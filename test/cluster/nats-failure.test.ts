/**
 * NATS faults: a restarted nats-server, and a node of a 3-node NATS cluster dying under a
 * gateway. Herald reconnects by itself, re-creates its subscriptions, and the api answers
 * 503 — never 200 — while it cannot publish.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type PusherJs from 'pusher-js';
import { type NatsCluster, type NatsServer, startNatsCluster, startNatsServer } from '../helpers/nats';
import { connectedClient, nextEvent, subscribed } from '../helpers/pusher-clients';
import { waitFor } from '../helpers/wait';
import { TestCluster } from './cluster-fixture';

/** Triggers `event` until the channel receives it (delivery resumed) or time runs out. */
async function deliveredEventually(cluster: TestCluster, channel: ReturnType<PusherJs['subscribe']>, event: string): Promise<void> {
  const received = nextEvent(channel, event, 20_000);
  let done = false;
  void received.then(
    () => (done = true),
    () => undefined,
  );
  await waitFor(
    async () => {
      if (done) return true;
      await cluster
        .sdk()
        .trigger(channel.name, event, { at: Date.now() })
        .catch(() => undefined);
      return done;
    },
    `delivery of ${event} to resume`,
    20_000,
    250,
  );
  await received;
}

describe('cluster: nats-server restart', () => {
  let nats: NatsServer;
  let cluster: TestCluster;
  let client: PusherJs;

  before(async () => {
    nats = await startNatsServer();
    cluster = await TestCluster.start({ natsUrls: [nats.url], gateways: 1, presence: 1 });
    client = await connectedClient({ port: cluster.gateways[0].port }, cluster.app);
  });
  after(async () => {
    client?.disconnect();
    await cluster?.stop();
    await nats?.stop();
  });

  it('answers 503 while NATS is down and delivers again after it restarts', async () => {
    const channel = await subscribed(client, 'alerts');
    const first = nextEvent(channel, 'before');
    await cluster.sdk().trigger('alerts', 'before', {});
    await first;

    await nats.kill('SIGKILL');
    await waitFor(async () => {
      const response = await fetch(`http://127.0.0.1:${cluster.api.port}/readyz`);
      return response.status === 503;
    }, 'the api to notice NATS is gone');
    const refused = await cluster
      .sdk()
      .trigger('alerts', 'during', {})
      .then(
        (r) => r.status,
        (err: { status?: number }) => err.status,
      );
    assert.equal(refused, 503, 'an event that cannot be published is not acknowledged');

    await nats.restart();
    await deliveredEventually(cluster, channel, 'after');
    for (const p of [cluster.api, ...cluster.gateways, ...cluster.presence]) {
      assert.equal(await Promise.race([p.exited.then(() => 'exited'), Promise.resolve('running')]), 'running', `${p.name} survived`);
    }
  });
});

describe('cluster: a NATS node dies under a gateway', () => {
  let nats: NatsCluster;
  let cluster: TestCluster;
  let client: PusherJs;

  before(async () => {
    nats = await startNatsCluster(3);
    // The event journal on all three nodes, so the one killed may hold it.
    cluster = await TestCluster.start({ natsUrls: nats.urls, gateways: 1, presence: 2, env: { HERALD_EVENT_JOURNAL_REPLICAS: '3' } });
    client = await connectedClient({ port: cluster.gateways[0].port }, cluster.app);
  });
  after(async () => {
    client?.disconnect();
    await cluster?.stop();
    await nats?.stop();
  });

  it('keeps delivering after the node the gateway is attached to is killed', async () => {
    const channel = await subscribed(client, 'ticker');
    await deliveredEventually(cluster, channel, 'warmup');

    // Find the node holding the gateway's connection (its name says "gateway").
    let attached: NatsServer | undefined;
    for (const server of nats.servers) {
      const connz = await server.monitor<{ connections?: Array<{ name?: string }> }>('/connz');
      if (connz.connections?.some((c) => c.name?.includes('-gateway-'))) attached = server;
    }
    assert.ok(attached, 'the gateway is connected to one of the nodes');
    await attached.kill('SIGKILL');
    await deliveredEventually(cluster, channel, 'after-failover');
  });
});
