import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { signChannelAuth } from '../../core/src/signing/socket-auth';
import type { Connection } from './connection';
import { TEST_APP, TestGateway, testApp } from './testing/test-gateway';

const auth = (connection: Connection, channel: string, channelData?: string) => signChannelAuth(TEST_APP, connection.socketId, channel, channelData);

describe('FrameHandler', () => {
  let gateway: TestGateway;
  beforeEach(() => {
    gateway = new TestGateway();
  });
  afterEach(() => gateway.stop());

  it('answers pusher:ping with pusher:pong and ignores pusher:pong', () => {
    const { connection, transport } = gateway.connect();
    gateway.receive(connection, { event: 'pusher:ping', data: {} });
    gateway.receive(connection, { event: 'pusher:pong', data: {} });
    assert.deepEqual(transport.texts(), ['{"event":"pusher:pong","data":"{}"}']);
  });

  it('reports a frame it cannot use as pusher:error without a code, and keeps the socket', () => {
    const { connection, transport } = gateway.connect();
    gateway.receive(connection, 'not json');
    gateway.receive(connection, { event: 'pusher:unknown', data: {} });
    gateway.receive(connection, { event: 'pusher:unsubscribe', data: {} });
    assert.deepEqual(
      transport.json().map((f) => f.data),
      [
        { code: null, message: 'Invalid JSON: frames must be UTF-8 JSON objects' },
        { code: null, message: 'Unsupported event "pusher:unknown"' },
        { code: null, message: 'pusher:unsubscribe needs data.channel' },
      ],
    );
    assert.deepEqual(transport.closes, []);
    assert.deepEqual(gateway.protocolErrors, [null, null, null]);
  });

  it('turns a bug into "Internal server error" for the client, and keeps the socket', async () => {
    const { connection, transport } = gateway.connect();
    gateway.subscriptions.subscribe = () => {
      throw new TypeError('a bug');
    };
    gateway.signin.handle = async () => {
      throw new TypeError('an async bug');
    };
    gateway.receive(connection, { event: 'pusher:subscribe', data: { channel: 'news' } });
    gateway.receive(connection, { event: 'pusher:signin', data: {} });
    await gateway.settle();
    assert.deepEqual(transport.texts(), [
      '{"event":"pusher:error","data":{"code":null,"message":"Internal server error"}}',
      '{"event":"pusher:error","data":{"code":null,"message":"Internal server error"}}',
    ]);
    assert.deepEqual(transport.closes, []);
    assert.deepEqual(gateway.protocolErrors, [null, null]);
  });

  it('unsubscribes', async () => {
    const { connection, transport } = gateway.connect();
    gateway.receive(connection, { event: 'pusher:subscribe', data: { channel: 'news' } });
    await gateway.settle();
    gateway.receive(connection, { event: 'pusher:unsubscribe', data: { channel: 'news' } });
    assert.deepEqual(transport.events(), ['pusher_internal:subscription_succeeded']);
    assert.equal(connection.subscriptions.size, 0);
    assert.deepEqual(
      gateway.counts.map((c) => c.count),
      [1, 0],
    );
  });
});

describe('subscription refusals on the wire (FrameHandler)', () => {
  let gateway: TestGateway;
  beforeEach(() => {
    gateway = new TestGateway({ busTimeoutMs: 5 });
  });
  afterEach(() => gateway.stop());

  it('become pusher:subscription_error with {type, error, status}; the socket stays open', () => {
    const { connection, transport } = gateway.connect();
    gateway.receive(connection, { event: 'pusher:subscribe', data: { channel: 'private-chat', auth: 'key-1:forged' } });
    assert.deepEqual(transport.texts(), [
      `{"event":"pusher:subscription_error","channel":"private-chat","data":{"type":"AuthError","error":"Invalid signature: the auth for private-chat does not match socket ${connection.socketId}","status":401}}`,
    ]);
    assert.deepEqual(transport.closes, []);
    assert.equal(connection.closed, false);
    assert.deepEqual(gateway.protocolErrors, [], 'not a pusher:error');
  });

  it('are sent in the order of the frames that caused them', () => {
    const { connection, transport } = gateway.connect();
    gateway.receive(connection, { event: 'pusher:subscribe', data: { channel: 'private-a' } });
    gateway.receive(connection, { event: 'pusher:ping', data: {} });
    assert.deepEqual(transport.events(), ['pusher:subscription_error', 'pusher:pong']);
  });

  it('from the presence service arrive once it answered', async () => {
    gateway.presenceService.refusals.set('presence-room', 'full');
    const { connection, transport } = gateway.connect();
    const channelData = JSON.stringify({ user_id: 'alice' });
    gateway.receive(connection, { event: 'pusher:subscribe', data: { channel: 'presence-room', auth: auth(connection, 'presence-room', channelData), channel_data: channelData } });
    await gateway.settle();
    assert.deepEqual(transport.texts(), ['{"event":"pusher:subscription_error","channel":"presence-room","data":{"type":"PresenceError","error":"full","status":403}}']);
  });

  it('are counted by type (metrics)', async () => {
    const { connection } = gateway.connect(testApp({ limits: { maxSubscriptionsPerConnection: 1 } }));
    gateway.receive(connection, { event: 'pusher:subscribe', data: { channel: 'news' } });
    gateway.receive(connection, { event: 'pusher:subscribe', data: { channel: 'sport' } });
    gateway.receive(connection, { event: 'pusher:subscribe', data: { channel: 'bad name' } });
    await gateway.settle();
    gateway.receive(connection, { event: 'pusher:subscribe', data: { channel: 'private-x', auth: 'key-1:forged' } });
    assert.deepEqual(gateway.subscriptionRefusals, ['LimitReached', 'InvalidChannelName', 'LimitReached']);
  });

  it('a subscribe without a channel is a pusher:error, not a subscription_error', () => {
    const { connection, transport } = gateway.connect();
    gateway.receive(connection, { event: 'pusher:subscribe', data: {} });
    assert.deepEqual(transport.texts(), ['{"event":"pusher:error","data":{"code":null,"message":"pusher:subscribe needs data.channel"}}']);
    assert.deepEqual(gateway.protocolErrors, [null]);
  });
});
