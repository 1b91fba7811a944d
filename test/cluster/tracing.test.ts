/**
 * One trace across a cluster of real processes on nats-server: a `pusher` SDK trigger through
 * the api to pusher-js clients on two gateways gives one trace holding the api's server and
 * producer spans and both gateways' consumer spans, each from its own process; a client event
 * on one gateway reaches the other and a `herald webhooks` process, whose attempt span joins
 * the same trace and whose POST carries it to the receiver.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type PusherJs from 'pusher-js';
import { type NatsServer, startNatsServer } from '../helpers/nats';
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from '../helpers/otlp-receiver';
import { connectedClient, nextEvent, subscribed } from '../helpers/pusher-clients';
import type { TestApp } from '../helpers/test-herald';
import { waitFor } from '../helpers/wait';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver';
import { TestCluster } from './cluster-fixture';

const APP: TestApp = { id: 'ctrace', key: 'ctrace-key', secret: 'ctrace-secret', clientEvents: true };
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/;

const inTrace = (spans: readonly ReceivedSpan[], traceId: string) => spans.filter((s) => s.traceId === traceId);
const instance = (span: ReceivedSpan) => String(span.resource['service.instance.id']);

describe('cluster: one trace from the API to every gateway', () => {
  let nats: NatsServer;
  let otlp: OtlpReceiver;
  let webhooks: WebhookReceiver;
  let cluster: TestCluster;
  const clients: PusherJs[] = [];

  before(async () => {
    nats = await startNatsServer();
    otlp = await startOtlpReceiver();
    webhooks = await startWebhookReceiver(APP);
    APP.webhooks = [{ url: webhooks.url, events: ['client_event'] }];
    cluster = await TestCluster.start({
      natsUrls: [nats.url],
      apps: [APP],
      webhooks: 1,
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint, OTEL_TRACES_SAMPLER: 'parentbased_always_on', OTEL_BSP_SCHEDULE_DELAY: '100' },
    });
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    await cluster?.stop();
    await nats?.stop();
    await otlp?.close();
    await webhooks?.close();
  });

  it('a trigger: the api’s server and producer spans and one consumer span per gateway, from separate processes', async () => {
    const [one, two] = await Promise.all(cluster.gateways.map((g) => connectedClient({ port: g.port }, APP)));
    clients.push(one, two);
    const channels = await Promise.all([subscribed(one, 'news'), subscribed(two, 'news')]);
    const got = Promise.all(channels.map((c) => nextEvent(c, 'story')));
    const response = (await cluster.sdk().trigger('news', 'story', { n: 1 })) as unknown as Response;
    assert.equal(response.status, 200);
    await got;
    const [, traceId] = TRACEPARENT.exec(response.headers.get('traceparent') ?? '') ?? [];
    assert.ok(traceId, 'the api answered a sampled traceparent');

    const spans = inTrace(
      await otlp.waitForSpans((all) => inTrace(all, traceId).filter((s) => s.kind === 'consumer').length === 2, 'a consumer span from each gateway', 30_000),
      traceId,
    );
    const server = spans.find((s) => s.kind === 'server');
    const producer = spans.find((s) => s.kind === 'producer');
    assert.ok(server && producer);
    assert.equal(producer.parentSpanId, server.spanId);
    assert.equal(producer.attributes['messaging.system'], 'nats');
    assert.equal(server.resource['service.name'], 'herald-api');
    assert.equal(instance(server), instance(producer), 'both from the api process');

    const consumers = spans.filter((s) => s.kind === 'consumer');
    const gatewayIds = consumers.map(instance);
    assert.equal(new Set([...gatewayIds, instance(server)]).size, 3, `three processes: ${[instance(server), ...gatewayIds].join(', ')}`);
    for (const consumer of consumers) {
      assert.equal(consumer.resource['service.name'], 'herald-gateway');
      assert.match(instance(consumer), /-gateway-/);
      assert.equal(consumer.parentSpanId, producer.spanId);
      assert.equal(consumer.attributes['herald.recipients'], 1);
      assert.equal(consumer.attributes['messaging.system'], 'nats');
    }
  });

  it('a client event: its producer span on one gateway, the consumer span on the other and the webhook attempt, in one trace', async () => {
    const [one, two] = await Promise.all(cluster.gateways.map((g) => connectedClient({ port: g.port }, APP)));
    clients.push(one, two);
    const [from, to] = await Promise.all([subscribed(one, 'private-room'), subscribed(two, 'private-room')]);
    const got = nextEvent(to, 'client-moved');
    from.trigger('client-moved', { x: 1 });
    await got;
    const post = await waitFor(() => webhooks.raw.find((r) => r.body.includes('client-moved')), 'the client_event webhook', 10_000);
    const [, traceId, attemptSpanId] = TRACEPARENT.exec(post.traceparent) ?? [];
    assert.ok(traceId, `the webhook POST carries the trace: "${post.traceparent}"`);

    const spans = inTrace(
      await otlp.waitForSpans((all) => {
        const kinds = new Set(inTrace(all, traceId).map((s) => s.kind));
        return kinds.has('producer') && kinds.has('consumer') && kinds.has('client');
      }, 'producer, consumer and webhook spans'),
      traceId,
    );
    const producer = spans.find((s) => s.kind === 'producer');
    const attempt = spans.find((s) => s.kind === 'client');
    assert.ok(producer && attempt);
    // Only a gateway that wrote the event to a socket makes a span: the sender's own has nobody else subscribed.
    const consumers = spans.filter((s) => s.kind === 'consumer');
    assert.equal(consumers.length, 1, `consumer spans from: ${consumers.map(instance).join(', ')}`);
    const [delivered] = consumers;
    assert.equal(delivered.attributes['herald.recipients'], 1);
    assert.notEqual(instance(delivered), instance(producer), 'sent on one gateway, delivered on the other');
    assert.equal(delivered.parentSpanId, producer.spanId);
    assert.equal(attempt.spanId, attemptSpanId);
    assert.equal(attempt.parentSpanId, producer.spanId);
    assert.equal(attempt.resource['service.name'], 'herald-webhooks');
    assert.match(instance(attempt), /-webhooks-/);
    assert.equal(otlp.undecodable, 0);
  });
});
