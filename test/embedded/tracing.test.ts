/**
 * Tracing in embedded mode, end to end with the official SDKs and a real OTLP/HTTP receiver:
 * one trace from the `pusher` SDK's trigger (the api's server span, a producer span per
 * event) to the gateway's consumer span; a caller's traceparent continued and the publisher
 * handed one back; a client event's trace through its delivery and its webhook, whose POST
 * carries the traceparent; an unsampled request exporting nothing; tracing off answering no
 * traceparent at all.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type PusherJs from 'pusher-js';
import { type HeraldProcess, startHeraldProcess } from '../helpers/herald-process';
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from '../helpers/otlp-receiver';
import { connectedClient, nextEvent, serverSdk, subscribed } from '../helpers/pusher-clients';
import { signedRequest } from '../helpers/signed-request';
import { type TestApp, writeAppsFile } from '../helpers/test-herald';
import { waitFor } from '../helpers/wait';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver';

const APP: TestApp = { id: '7100', key: 'trace-key', secret: 'trace-secret', clientEvents: true };
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0([01])$/;

function inTrace(spans: readonly ReceivedSpan[], traceId: string): ReceivedSpan[] {
  return spans.filter((s) => s.traceId === traceId);
}

function tracingEnv(receiver: OtlpReceiver, sampler = 'always_on'): Record<string, string> {
  return { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_TRACES_SAMPLER: sampler, OTEL_BSP_SCHEDULE_DELAY: '100' };
}

describe('embedded: tracing', () => {
  let otlp: OtlpReceiver;
  let webhooks: WebhookReceiver;
  let herald: HeraldProcess;
  const clients: PusherJs[] = [];

  before(async () => {
    otlp = await startOtlpReceiver();
    webhooks = await startWebhookReceiver(APP);
    APP.webhooks = [{ url: webhooks.url, events: ['client_event'] }];
    herald = await startHeraldProcess({ command: 'embedded', nats: [], appsFile: writeAppsFile([APP]), env: tracingEnv(otlp) });
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    await herald?.kill('SIGTERM');
    await otlp?.close();
    await webhooks?.close();
  });

  it('follows a trigger from the HTTP request through the publish to the socket write, in one trace', async () => {
    const endpoint = { port: herald.port };
    const a = await connectedClient(endpoint, APP);
    const b = await connectedClient(endpoint, APP);
    clients.push(a, b);
    const [channelA, channelB] = await Promise.all([subscribed(a, 'orders'), subscribed(b, 'orders')]);
    const got = Promise.all([nextEvent(channelA, 'created'), nextEvent(channelB, 'created')]);
    const response = (await serverSdk(endpoint, APP).trigger('orders', 'created', { id: 1 })) as unknown as Response;
    assert.equal(response.status, 200);
    await got;
    const header = response.headers.get('traceparent') ?? '';
    const [, traceId, serverSpanId, sampled] = TRACEPARENT.exec(header) ?? [];
    assert.ok(traceId, `traceparent answered: ${header}`);
    assert.equal(sampled, '1');

    const spans = inTrace(await otlp.waitForSpans((all) => inTrace(all, traceId).some((s) => s.kind === 'consumer'), 'the consumer span of the trace'), traceId);
    const server = spans.find((s) => s.kind === 'server');
    assert.ok(server, 'a server span');
    assert.equal(server.spanId, serverSpanId, 'the answered traceparent names the server span');
    assert.equal(server.name, 'POST /apps/:app_id/events');
    assert.equal(server.parentSpanId, '', 'a new trace: the SDK sent no traceparent');
    assert.equal(server.attributes['http.request.method'], 'POST');
    assert.equal(server.attributes['http.route'], '/apps/:app_id/events');
    assert.equal(server.attributes['http.response.status_code'], 200);
    assert.equal(server.attributes['herald.app_id'], APP.id);
    assert.equal(server.resource['service.name'], 'herald');
    assert.equal(server.resource['service.instance.id'], 'embedded');

    const producer = spans.find((s) => s.kind === 'producer');
    assert.ok(producer, 'a producer span');
    assert.equal(producer.parentSpanId, server.spanId);
    assert.equal(producer.name, 'publish herald.ch.{app_id}.{channel}', 'the destination template, never the channel, names the span');
    assert.equal(producer.attributes['messaging.system'], 'herald_local');
    assert.equal(producer.attributes['messaging.operation.type'], 'send');
    assert.equal(producer.attributes['messaging.operation.name'], 'publish');
    assert.equal(producer.attributes['herald.channel'], 'orders');
    assert.equal(producer.attributes['herald.event'], 'created');
    assert.match(String(producer.attributes['messaging.message.id']), /^[0-9a-f-]{36}$/);

    const consumer = spans.find((s) => s.kind === 'consumer');
    assert.ok(consumer);
    assert.equal(consumer.parentSpanId, producer.spanId, 'the consumer span is the producer span’s child');
    assert.deepEqual(consumer.links, [{ traceId, spanId: producer.spanId }], 'and linked to it');
    assert.equal(consumer.name, 'process herald.ch.{app_id}.{channel}');
    assert.equal(consumer.attributes['messaging.operation.type'], 'process');
    assert.equal(consumer.attributes['messaging.message.id'], producer.attributes['messaging.message.id']);
    assert.equal(consumer.attributes['herald.recipients'], 2);
    const frame = `{"event":"created","channel":"orders","data":"{\\"id\\":1}"}`;
    assert.equal(consumer.attributes['herald.frame_bytes'], Buffer.byteLength(frame) + 2, 'the frame: payload and a 2-byte WebSocket header');
    assert.equal(typeof consumer.attributes['herald.socket_handoff_ms'], 'number');
    assert.equal(otlp.undecodable, 0);
  });

  it('continues the caller’s trace when the request carries a traceparent, on the fastify routes too', async () => {
    const callerTrace = 'c0ffee00c0ffee00c0ffee00c0ffee00';
    const callerSpan = '00f067aa0ba902b7';
    const response = await signedRequest({ port: herald.port }, APP, {
      path: `/apps/${APP.id}/batch_events`,
      body: {
        batch: [
          { channel: 'a', name: 'x', data: '1' },
          { channel: 'b', name: 'y', data: '2' },
        ],
      },
      headers: { traceparent: `00-${callerTrace}-${callerSpan}-01` },
    });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('traceparent') ?? '', new RegExp(`^00-${callerTrace}-[0-9a-f]{16}-01$`));
    const spans = inTrace(
      await otlp.waitForSpans((all) => inTrace(all, callerTrace).filter((s) => s.kind === 'producer').length === 2, 'two producer spans in the caller’s trace'),
      callerTrace,
    );
    const server = spans.find((s) => s.kind === 'server');
    assert.ok(server);
    assert.equal(server.parentSpanId, callerSpan);
    assert.equal(server.name, 'POST /apps/:app_id/batch_events');
    assert.equal(server.attributes['herald.app_id'], APP.id);
    const channels = spans
      .filter((s) => s.kind === 'producer')
      .map((s) => {
        assert.equal(s.parentSpanId, server.spanId);
        return s.attributes['herald.channel'];
      })
      .sort();
    assert.deepEqual(channels, ['a', 'b']);
  });

  it('traces the channel queries under their route template, never the channel name', async () => {
    const response = await signedRequest({ port: herald.port }, APP, { path: `/apps/${APP.id}/channels/presence-lobby/users` });
    assert.equal(response.status, 200);
    const [, traceId] = TRACEPARENT.exec(response.headers.get('traceparent') ?? '') ?? [];
    assert.ok(traceId);
    const [server] = inTrace(await otlp.waitForSpans((all) => inTrace(all, traceId).length > 0, 'the query’s span'), traceId);
    assert.equal(server.name, 'GET /apps/:app_id/channels/:channel_name/users');
    assert.equal(server.kind, 'server');
    assert.equal(server.attributes['url.path'], `/apps/${APP.id}/channels/presence-lobby/users`);
    assert.equal(server.attributes['http.response.status_code'], 200);
  });

  it('traces a refused request as a server span with its status, and errors only for 5xx', async () => {
    const response = await signedRequest({ port: herald.port }, APP, { path: `/apps/${APP.id}/events`, body: { name: 'x', channels: ['a'] } });
    assert.equal(response.status, 400);
    const [, traceId] = TRACEPARENT.exec(response.headers.get('traceparent') ?? '') ?? [];
    assert.ok(traceId, 'a refused request still answers its traceparent');
    const [server] = inTrace(await otlp.waitForSpans((all) => inTrace(all, traceId).length > 0, 'the refused request’s span'), traceId);
    assert.equal(server.attributes['http.response.status_code'], 400);
    assert.equal(server.status.code, 'unset', 'a 4xx is the client’s error, not the server’s');
  });

  it('traces a client event from its publish to the other subscriber and to its webhook, which gets the traceparent', async () => {
    const endpoint = { port: herald.port };
    const sender = await connectedClient(endpoint, APP);
    const receiver = await connectedClient(endpoint, APP);
    clients.push(sender, receiver);
    const [out, into] = await Promise.all([subscribed(sender, 'private-chat'), subscribed(receiver, 'private-chat')]);
    const got = nextEvent(into, 'client-typing');
    out.trigger('client-typing', { who: 'a' });
    await got;
    const post = await waitFor(() => webhooks.raw.find((r) => r.body.includes('client-typing')), 'the client_event webhook');
    const [, traceId, attemptSpanId] = TRACEPARENT.exec(post.traceparent) ?? [];
    assert.ok(traceId, `the webhook POST carries a traceparent: "${post.traceparent}"`);

    const spans = inTrace(await otlp.waitForSpans((all) => inTrace(all, traceId).length >= 3, 'the client event’s trace'), traceId);
    const producer = spans.find((s) => s.kind === 'producer');
    assert.ok(producer, 'the client event is a producer span');
    assert.equal(producer.parentSpanId, '', 'it starts the trace');
    assert.equal(producer.attributes['herald.event'], 'client-typing');
    assert.equal(typeof producer.attributes['herald.socket_id'], 'string');
    const consumer = spans.find((s) => s.kind === 'consumer');
    assert.ok(consumer);
    assert.equal(consumer.parentSpanId, producer.spanId);
    assert.equal(consumer.attributes['herald.recipients'], 1, 'the sender is excluded');
    const attempt = spans.find((s) => s.kind === 'client');
    assert.ok(attempt, 'the webhook attempt is a client span');
    assert.equal(attempt.spanId, attemptSpanId, 'the receiver got the attempt span’s context');
    assert.equal(attempt.name, 'POST');
    assert.equal(attempt.parentSpanId, producer.spanId);
    assert.deepEqual(attempt.links, [{ traceId, spanId: producer.spanId }]);
    assert.equal(attempt.attributes['http.response.status_code'], 200);
    assert.equal(attempt.attributes['herald.webhook.attempt'], 1);
    assert.equal(attempt.attributes['url.full'], webhooks.url);
  });
});

describe('embedded: tracing sampled out, and tracing off', () => {
  it('exports nothing for an unsampled request, still delivers, and answers a traceparent marked unsampled', async () => {
    const otlp = await startOtlpReceiver();
    const herald = await startHeraldProcess({ command: 'embedded', nats: [], appsFile: writeAppsFile([APP]), env: tracingEnv(otlp, 'always_off') });
    const client = await connectedClient({ port: herald.port }, APP);
    try {
      const channel = await subscribed(client, 'quiet');
      const got = nextEvent(channel, 'e');
      const response = (await serverSdk({ port: herald.port }, APP).trigger('quiet', 'e', 'x')) as unknown as Response;
      await got;
      const [, traceId, , sampled] = TRACEPARENT.exec(response.headers.get('traceparent') ?? '') ?? [];
      assert.ok(traceId);
      assert.equal(sampled, '0');
    } finally {
      client.disconnect();
      // SIGTERM flushes the exporter: whatever was recorded has been sent once the process is gone.
      await herald.kill('SIGTERM');
    }
    assert.deepEqual(otlp.spans, []);
    await otlp.close();
  });

  it('answers no traceparent when no OTLP endpoint is configured', async () => {
    const herald = await startHeraldProcess({ command: 'embedded', nats: [], appsFile: writeAppsFile([APP]) });
    try {
      const response = await signedRequest({ port: herald.port }, APP, { path: `/apps/${APP.id}/events`, body: { name: 'e', channels: ['c'], data: '1' } });
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('traceparent'), null);
    } finally {
      await herald.kill('SIGTERM');
    }
  });
});
