/**
 * The metrics of a cluster: two gateways, two presence replicas, an api and a webhooks process
 * on a real nats-server, each scraped on its own /metrics. Presence gauges on every replica,
 * per-gateway counts, the webhook attempts, a trace exemplar on the latency histogram for an
 * event published on NATS with a sampled traceparent, and `herald_bus_connected` falling to 0
 * while nats-server is down and coming back, the disconnect and reconnect counted.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { connect, type NatsConnection } from 'nats';
import type PusherJs from 'pusher-js';
import { subjects } from '../../services/core/src/bus/subjects';
import { encodeEvent } from '../../services/core/src/codec/event-codec';
import { type Exposition, samplesOf, scrape, sumOf } from '../helpers/metrics-exposition';
import { type NatsServer, startNatsServer } from '../helpers/nats';
import { connectedClient, nextEvent, subscribedPresence } from '../helpers/pusher-clients';
import type { TestApp } from '../helpers/test-herald';
import { waitFor } from '../helpers/wait';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver';
import { TestCluster } from './cluster-fixture';

const APP: TestApp = { id: 'cm-app', key: 'cm-key', secret: 'cm-secret' };
const OPENMETRICS = 'application/openmetrics-text; version=1.0.0';
const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';

describe('cluster: metrics', () => {
  let nats: NatsServer;
  let cluster: TestCluster;
  let receiver: WebhookReceiver;
  let publisher: NatsConnection;
  const clients: PusherJs[] = [];
  const metricsOf = async (port: number): Promise<Exposition> => (await scrape(port)).exposition;
  const app = (labels: Record<string, string> = {}) => ({ app_id: APP.id, ...labels });

  before(async () => {
    nats = await startNatsServer();
    receiver = await startWebhookReceiver(APP);
    APP.webhooks = [{ url: receiver.url, events: ['member_added'] }];
    cluster = await TestCluster.start({ natsUrls: [nats.url], gateways: 2, presence: 2, webhooks: 1, apps: [APP] });
    publisher = await connect({ servers: nats.url, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
    for (const [gateway, user] of [
      [0, 'alice'],
      [1, 'bob'],
    ] as const) {
      clients.push(await connectedClient({ port: cluster.gateways[gateway].port }, APP, { user: { id: user } }));
    }
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    await publisher?.close();
    await cluster?.stop();
    await receiver?.close();
    await nats?.stop();
  });

  it('every presence replica counts the cluster’s members and occupied channels; each gateway its own sockets', async () => {
    await subscribedPresence(clients[0], 'presence-ops');
    await subscribedPresence(clients[1], 'presence-ops');
    for (const replica of cluster.presence) {
      await waitFor(
        async () => {
          const m = await metricsOf(replica.port);
          return sumOf(m, 'herald_presence_members', app()) === 2 && sumOf(m, 'herald_presence_channels_occupied', app()) === 1 && sumOf(m, 'herald_presence_ready') === 1;
        },
        `${replica.name} to count alice and bob in one channel`,
        10_000,
      );
    }
    const nodes = await Promise.all(cluster.presence.map(async (replica) => samplesOf(await metricsOf(replica.port), 'herald_presence_ready').map((s) => s.labels.node)));
    assert.ok(
      nodes.every((n) => n.length === 1 && n[0].length > 0),
      `one sample per replica, labelled with its node id: ${nodes}`,
    );
    assert.notEqual(nodes[0][0], nodes[1][0], 'each replica its own node id');
    for (const gateway of cluster.gateways) {
      const m = await metricsOf(gateway.port);
      assert.equal(sumOf(m, 'herald_gateway_connections', app()), 1, gateway.name);
      assert.equal(sumOf(m, 'herald_gateway_subscriptions', app({ channel_type: 'presence' })), 1, gateway.name);
      assert.equal(sumOf(m, 'herald_gateway_channels', app()), 1, gateway.name);
    }
  });

  it('counts an api publish once at the api and once per gateway that delivered it', async () => {
    const before = await Promise.all([cluster.api, ...cluster.gateways].map((p) => metricsOf(p.port)));
    const channels = clients.map((c) => c.channel('presence-ops'));
    const arrived = channels.map((c) => nextEvent(c, 'deploy'));
    await cluster.sdk().trigger('presence-ops', 'deploy', { version: 2 });
    await Promise.all(arrived);
    const [api, ...gateways] = await Promise.all([cluster.api, ...cluster.gateways].map((p) => metricsOf(p.port)));
    assert.equal(
      sumOf(api, 'herald_api_events_published_total', app({ result: 'accepted' })) - sumOf(before[0], 'herald_api_events_published_total', app({ result: 'accepted' })),
      1,
    );
    gateways.forEach((m, i) => {
      const delta = (name: string) => sumOf(m, name, app()) - sumOf(before[i + 1], name, app());
      assert.equal(delta('herald_gateway_messages_delivered_total'), 1, cluster.gateways[i].name);
      assert.equal(delta('herald_gateway_delivery_latency_seconds_count'), 1, cluster.gateways[i].name);
    });
  });

  it('counts every webhook POST and the latency of each event it delivered', async () => {
    // alice's and bob's member_added.
    await waitFor(() => receiver.deliveries.flatMap((d) => d.events).length >= 2, 'both member_added webhooks', 10_000);
    const m = await waitFor(
      async () => {
        const scraped = await metricsOf(cluster.webhooks[0].port);
        return sumOf(scraped, 'herald_webhooks_attempts_total', app({ result: 'success' })) === receiver.deliveries.length ? scraped : undefined;
      },
      'the webhooks process to count what the receiver got',
      10_000,
    );
    assert.equal(sumOf(m, 'herald_webhooks_attempts_total', app({ result: 'failure' })), 0);
    assert.equal(sumOf(m, 'herald_webhooks_delivery_latency_seconds_count', app()), receiver.deliveries.flatMap((d) => d.events).length);
    assert.equal(sumOf(m, 'herald_webhooks_delivered_total'), receiver.deliveries.flatMap((d) => d.events).length);
    // The JetStream queue's depth, on the webhooks process only: every event was acked, so it is empty.
    await waitFor(async () => sumOf(await metricsOf(cluster.webhooks[0].port), 'herald_webhooks_queue_events') === 0, 'an empty queue once all is acked', 10_000);
    assert.equal(samplesOf(m, 'herald_webhooks_queue_events').length, 1);
    assert.equal(samplesOf(m, 'herald_webhooks_queue_bytes').length, 1);
    assert.equal(samplesOf(await metricsOf(cluster.gateways[0].port), 'herald_webhooks_queue_events').length, 0, 'not on a gateway');
  });

  it('puts the trace id of a sampled event on its latency bucket, in OpenMetrics only', async () => {
    const channel = clients[0].channel('presence-ops');
    const publish = (name: string, flags: string, traceId: string) => {
      const arrived = nextEvent(channel, name);
      publisher.publish(
        subjects.channel(APP.id, 'presence-ops'),
        encodeEvent({
          id: randomUUID(),
          appId: APP.id,
          channel: 'presence-ops',
          name,
          data: '{}',
          publishedAtMs: Date.now(),
          traceparent: `00-${traceId}-b7ad6b7169203331-${flags}`,
        }),
      );
      return arrived;
    };
    const unsampled = 'ffe4f6b2a0d94ab9a7f29d1c3b5e8a70';
    await publish('traced', '01', TRACE_ID);
    await publish('untraced', '00', unsampled);

    const gateway = cluster.gateways[0].port;
    const openMetrics = await scrape(gateway, OPENMETRICS);
    assert.ok(openMetrics.text.endsWith('# EOF\n'));
    const exemplars = samplesOf(openMetrics.exposition, 'herald_gateway_delivery_latency_seconds_bucket', app()).filter((s) => s.exemplar);
    assert.deepEqual(
      exemplars.map((s) => s.exemplar?.labels),
      [{ trace_id: TRACE_ID }],
      'one exemplar, from the sampled event',
    );
    assert.ok((exemplars[0].exemplar?.value ?? -1) >= 0);
    assert.doesNotMatch(openMetrics.text, new RegExp(unsampled));

    const classic = await scrape(gateway);
    assert.doesNotMatch(classic.text, /trace_id|# EOF/);
  });

  it('shows the bus disconnected while nats-server is down, and counts the disconnect and the reconnect', async () => {
    const processes = [cluster.api, ...cluster.gateways, ...cluster.presence, ...cluster.webhooks];
    for (const p of processes) {
      const m = await metricsOf(p.port);
      assert.equal(sumOf(m, 'herald_bus_connected'), 1, p.name);
      assert.equal(sumOf(m, 'herald_bus_disconnects_total'), 0, p.name);
    }
    await nats.kill('SIGKILL');
    for (const p of processes) {
      await waitFor(async () => sumOf(await metricsOf(p.port), 'herald_bus_connected') === 0, `${p.name} to report the bus down`, 20_000, 100);
    }
    await nats.restart();
    for (const p of processes) {
      const m = await waitFor(
        async () => {
          const scraped = await metricsOf(p.port);
          return sumOf(scraped, 'herald_bus_connected') === 1 ? scraped : undefined;
        },
        `${p.name} to report the bus back`,
        20_000,
        100,
      );
      assert.equal(sumOf(m, 'herald_bus_disconnects_total'), 1, p.name);
      assert.equal(sumOf(m, 'herald_bus_reconnects_total'), 1, p.name);
    }
  });
});
