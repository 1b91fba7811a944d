import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { TestGateway } from './testing/test-gateway';

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
    assert.deepEqual(transport.json().map((f) => f.data), [
      { code: null, message: 'Invalid JSON: frames must be UTF-8 JSON objects' },
      { code: null, message: 'Unsupported event "pusher:unknown"' },
      { code: null, message: 'pusher:unsubscribe needs data.channel' },
    ]);
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
    assert.deepEqual(gateway.counts.map((c) => c.count), [1, 0]);
  });
});
