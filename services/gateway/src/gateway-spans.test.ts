import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { subjects } from '../../core/src/bus/subjects';
import { GatewayUpdate } from '../../core/src/codec/messages';
import { ProtocolError, PusherErrors, SubscriptionRefused } from '../../core/src/protocol/errors';
import { signChannelAuth, signUserAuth } from '../../core/src/signing/socket-auth';
import type { Tracing } from '../../core/src/tracing/tracing';
import type { Connection } from './connection';
import { refusalResult } from './gateway-spans';
import { TEST_APP, TestGateway, testApp } from './testing/test-gateway';

describe('refusalResult', () => {
  it('names a refusal by its Pusher code where there is one, else by its subscription_error type', () => {
    assert.equal(refusalResult(new ProtocolError(PusherErrors.unauthorized, 'bad signature')), '4009');
    assert.equal(refusalResult(SubscriptionRefused.auth('private-a', 'bad signature')), '4009');
    assert.equal(refusalResult(SubscriptionRefused.presence('presence-a', 'full', 403)), 'PresenceError');
    assert.equal(refusalResult(SubscriptionRefused.limitReached('private-a', 'too many')), 'LimitReached');
    assert.equal(refusalResult(SubscriptionRefused.invalidChannelName('private-a', 'bad')), 'InvalidChannelName');
    assert.equal(refusalResult(ProtocolError.invalidFrame('Already signed in as alice')), 'invalid_frame');
    assert.equal(refusalResult(new TypeError('a bug')), 'internal_error');
  });
});

describe('signin and authorised subscribe spans', () => {
  let exporter: InMemorySpanExporter;
  let gateway: TestGateway;
  const joinTraceparents: string[] = [];

  beforeEach(() => {
    exporter = new InMemorySpanExporter();
    const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
    const tracing: Tracing = { enabled: true, tracer: provider.getTracer('test') };
    gateway = new TestGateway({ tracing, busTimeoutMs: 5 });
    joinTraceparents.length = 0;
    gateway.bus.subscribe(subjects.presenceUpdates, (message) => {
      for (const join of GatewayUpdate.decode(message.data).joins) joinTraceparents.push(join.traceparent);
    });
  });
  afterEach(() => gateway.stop());

  const spans = (): ReadableSpan[] => exporter.getFinishedSpans();
  const only = (): ReadableSpan => {
    const finished = spans();
    assert.equal(finished.length, 1, `spans: ${finished.map((s) => s.name).join(', ')}`);
    return finished[0];
  };

  function assertRoot(span: ReadableSpan, connection: Connection): void {
    assert.equal(span.kind, SpanKind.SERVER);
    assert.equal(span.parentSpanContext, undefined, 'a client frame starts its own trace');
    assert.equal(span.attributes['herald.app_id'], TEST_APP.id);
    assert.equal(span.attributes['herald.socket_id'], connection.socketId);
  }

  async function signIn(connection: Connection, text: string, auth = signUserAuth(TEST_APP, connection.socketId, text)): Promise<void> {
    gateway.receive(connection, { event: 'pusher:signin', data: { user_data: text, auth } });
    await gateway.settle();
  }

  it('pusher:signin: a SERVER span with the app, the socket and result ok', async () => {
    const { connection, transport } = gateway.connect();
    await signIn(connection, '{"id":"alice"}');
    assert.deepEqual(transport.events(), ['pusher:signin_success']);
    const span = only();
    assert.equal(span.name, 'pusher:signin');
    assertRoot(span, connection);
    assert.equal(span.attributes['herald.result'], 'ok');
    assert.equal(span.status.code, SpanStatusCode.UNSET);
  });

  it('a refused pusher:signin: status ERROR and result 4009, and the socket is closed with 4009 as without tracing', async () => {
    const { connection, transport } = gateway.connect();
    await signIn(connection, '{"id":"alice"}', `${TEST_APP.key}:${'0'.repeat(64)}`);
    assert.deepEqual(
      transport.closes.map((c) => c.code),
      [4009],
    );
    const span = only();
    assert.equal(span.name, 'pusher:signin');
    assertRoot(span, connection);
    assert.equal(span.attributes['herald.result'], '4009');
    assert.equal(span.status.code, SpanStatusCode.ERROR);
    assert.match(span.status.message ?? '', /Invalid signature/);
  });

  it('pusher:subscribe of a private channel: named by the channel type, the channel an attribute', async () => {
    const { connection, transport } = gateway.connect();
    await gateway.subscriptions.subscribe(connection, { channel: 'private-orders.42', auth: signChannelAuth(TEST_APP, connection.socketId, 'private-orders.42') });
    assert.deepEqual(transport.events(), ['pusher_internal:subscription_succeeded']);
    const span = only();
    assert.equal(span.name, 'pusher:subscribe private');
    assertRoot(span, connection);
    assert.equal(span.attributes['herald.channel'], 'private-orders.42');
    assert.equal(span.attributes['herald.channel_type'], 'private');
    assert.equal(span.attributes['herald.result'], 'subscribed');
  });

  it('pusher:subscribe of a presence channel: the join sent to presence carries the span’s context', async () => {
    const { connection, transport } = gateway.connect();
    const channelData = JSON.stringify({ user_id: 'alice' });
    await gateway.subscriptions.subscribe(connection, {
      channel: 'presence-room',
      auth: signChannelAuth(TEST_APP, connection.socketId, 'presence-room', channelData),
      channel_data: channelData,
    });
    assert.deepEqual(transport.events(), ['pusher_internal:subscription_succeeded']);
    const span = only();
    assert.equal(span.name, 'pusher:subscribe presence');
    assert.equal(span.attributes['herald.channel_type'], 'presence');
    assert.equal(span.attributes['herald.result'], 'subscribed');
    const { traceId, spanId } = span.spanContext();
    assert.deepEqual(joinTraceparents, [`00-${traceId}-${spanId}-01`]);
  });

  it('a subscribe refused for its signature: still refused at once (subscription_error), the span ERROR with 4009 and AuthError', () => {
    const { connection } = gateway.connect();
    assert.throws(
      () => gateway.subscriptions.subscribe(connection, { channel: 'private-a', auth: `${TEST_APP.key}:${'0'.repeat(64)}` }),
      (err: unknown) => err instanceof SubscriptionRefused && err.type === 'AuthError',
    );
    const span = only();
    assert.equal(span.name, 'pusher:subscribe private');
    assert.equal(span.attributes['herald.result'], '4009');
    assert.equal(span.attributes['error.type'], 'AuthError');
    assert.equal(span.status.code, SpanStatusCode.ERROR);
  });

  it('a presence join refused by the presence service: the span ends ERROR with PresenceError', async () => {
    gateway.presenceService.refusals.set('presence-full', 'Presence channel presence-full is full');
    const { connection, transport } = gateway.connect();
    const channelData = JSON.stringify({ user_id: 'bob' });
    gateway.receive(connection, {
      event: 'pusher:subscribe',
      data: { channel: 'presence-full', auth: signChannelAuth(TEST_APP, connection.socketId, 'presence-full', channelData), channel_data: channelData },
    });
    await gateway.settle();
    assert.deepEqual(transport.events(), ['pusher:subscription_error']);
    const span = only();
    assert.equal(span.attributes['herald.result'], 'PresenceError');
    assert.equal(span.status.code, SpanStatusCode.ERROR);
  });

  it('no span for public channels', async () => {
    const { connection } = gateway.connect(testApp());
    await gateway.subscriptions.subscribe(connection, { channel: 'news' });
    assert.deepEqual(spans(), []);
  });
});

describe('without tracing', () => {
  it('a presence join carries no trace context', async () => {
    const gateway = new TestGateway();
    const traceparents: string[] = [];
    gateway.bus.subscribe(subjects.presenceUpdates, (message) => {
      for (const join of GatewayUpdate.decode(message.data).joins) traceparents.push(join.traceparent);
    });
    const { connection } = gateway.connect();
    const channelData = JSON.stringify({ user_id: 'alice' });
    await gateway.subscriptions.subscribe(connection, {
      channel: 'presence-room',
      auth: signChannelAuth(TEST_APP, connection.socketId, 'presence-room', channelData),
      channel_data: channelData,
    });
    assert.deepEqual(traceparents, ['']);
    await gateway.stop();
  });
});
