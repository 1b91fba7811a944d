import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { App } from '../../core/src/apps/app-registry';
import { subjects } from '../../core/src/bus/subjects';
import { type BusEvent, decodeEvent } from '../../core/src/codec/event-codec';
import { ProtocolError } from '../../core/src/protocol/errors';
import type { Connection } from './connection';
import { TEST_APP, TestGateway, testApp } from './testing/test-gateway';

describe('ClientEvents', () => {
  let gateway: TestGateway;
  let published: BusEvent[];
  beforeEach(() => {
    gateway = new TestGateway();
    published = [];
    gateway.bus.subscribe(`herald.ch.${TEST_APP.id}.>`, (message) => published.push(decodeEvent(message.data)));
  });
  afterEach(() => gateway.stop());

  /** A connection subscribed (established) to `channels`; presence ones as `alice`. */
  function subscribed(channels: string[], app: App = testApp()): Connection {
    const { connection } = gateway.connect(app);
    for (const channel of channels) {
      connection.subscriptions.set(channel, channel.startsWith('presence-') ? { userId: 'alice', established: true } : { established: true });
    }
    return connection;
  }

  function assertInvalid(fn: () => void, code: number | null, message: string | RegExp): void {
    assert.throws(fn, (err: unknown) => {
      assert.ok(err instanceof ProtocolError, `expected a ProtocolError, got ${String(err)}`);
      assert.equal(err.code, code);
      if (typeof message === 'string') assert.equal(err.message, message);
      else assert.match(err.message, message);
      return true;
    });
  }

  it('publishes the event on the channel’s subject with the sender excluded', async () => {
    const connection = subscribed(['private-chat']);
    gateway.clientEvents.handle(connection, { event: 'client-typing', channel: 'private-chat', data: { text: 'hi' } });
    await gateway.settle();
    assert.equal(published.length, 1);
    const [sent] = published;
    assert.deepEqual(
      { appId: sent.appId, channel: sent.channel, name: sent.name, data: sent.data, excludeSocketId: sent.excludeSocketId, userId: sent.userId, publishedAtMs: sent.publishedAtMs },
      {
        appId: TEST_APP.id,
        channel: 'private-chat',
        name: 'client-typing',
        data: '{"text":"hi"}',
        excludeSocketId: connection.socketId,
        userId: '',
        publishedAtMs: gateway.clock.now(),
      },
    );
  });

  it('passes string data through as it is, and carries the member’s user_id on presence channels', async () => {
    const connection = subscribed(['presence-room']);
    gateway.clientEvents.handle(connection, { event: 'client-move', channel: 'presence-room', data: '{"x":1}' });
    await gateway.settle();
    assert.deepEqual(
      published.map((e) => [e.data, e.userId]),
      [['{"x":1}', 'alice']],
    );
  });

  it('is refused unless the app enables client events', () => {
    const connection = subscribed(['private-chat'], testApp({ clientEvents: false }));
    assertInvalid(
      () => gateway.clientEvents.handle(connection, { event: 'client-x', channel: 'private-chat', data: {} }),
      null,
      'To send client events, you must enable this feature for the app (clientEvents: true)',
    );
  });

  it('is refused on public and encrypted channels, which Pusher does not relay client events on', () => {
    const connection = subscribed(['news', 'private-encrypted-chat', 'cache-news']);
    for (const channel of ['news', 'private-encrypted-chat', 'cache-news']) {
      assertInvalid(
        () => gateway.clientEvents.handle(connection, { event: 'client-x', channel, data: {} }),
        null,
        `Client events are only allowed on private and presence channels, not on ${channel}`,
      );
    }
  });

  it('is refused on a channel the socket is not (yet) subscribed to', () => {
    const connection = subscribed([]);
    connection.subscriptions.set('presence-joining', { userId: 'alice', established: false });
    for (const channel of ['private-chat', 'presence-joining']) {
      assertInvalid(() => gateway.clientEvents.handle(connection, { event: 'client-x', channel, data: {} }), null, `Client event rejected: not subscribed to ${channel}`);
    }
  });

  it('is refused without a channel, with a name past the limit, or with data past the limit', () => {
    const connection = subscribed(['private-chat'], testApp({ limits: { maxEventNameLength: 20, maxEventPayloadBytes: 10 } }));
    assertInvalid(() => gateway.clientEvents.handle(connection, { event: 'client-x', data: {} }), null, 'Client event client-x needs a "channel"');
    assertInvalid(
      () => gateway.clientEvents.handle(connection, { event: `client-${'x'.repeat(20)}`, channel: 'private-chat', data: {} }),
      null,
      'Event name too long: 27 characters, the limit is 20',
    );
    assertInvalid(
      () => gateway.clientEvents.handle(connection, { event: 'client-x', channel: 'private-chat', data: 'x'.repeat(11) }),
      null,
      'Client event data is 11 bytes; the limit is 10',
    );
  });

  it('allows N per second per connection, then refuses with 4301 until the next second', async () => {
    const connection = subscribed(['private-chat'], testApp({ limits: { clientEventsPerSecond: 3 } }));
    const other = subscribed(['private-chat'], testApp({ limits: { clientEventsPerSecond: 3 } }));
    const send = (c: Connection) => gateway.clientEvents.handle(c, { event: 'client-x', channel: 'private-chat', data: {} });
    for (let i = 0; i < 3; i++) send(connection);
    assertInvalid(() => send(connection), 4301, 'Client event rejected due to rate limit');
    send(other); // each connection has its own budget
    gateway.clock.advance(999);
    assertInvalid(() => send(connection), 4301, 'Client event rejected due to rate limit');
    gateway.clock.advance(1);
    send(connection);
    await gateway.settle();
    assert.equal(published.length, 5);
  });

  it('4301 is reported as pusher:error and keeps the socket open', () => {
    const { connection, transport } = gateway.connect(testApp({ limits: { clientEventsPerSecond: 1 } }));
    connection.subscriptions.set('private-chat', { established: true });
    const frame = { event: 'client-x', channel: 'private-chat', data: {} };
    gateway.receive(connection, frame);
    gateway.receive(connection, frame);
    assert.deepEqual(transport.texts(), ['{"event":"pusher:error","data":{"code":4301,"message":"Client event rejected due to rate limit"}}']);
    assert.deepEqual(transport.closes, []);
    assert.deepEqual(gateway.protocolErrors, [4301]);
  });

  it('stores the last event of a cache channel', async () => {
    const connection = subscribed(['private-cache-scores']);
    gateway.clientEvents.handle(connection, { event: 'client-score', channel: 'private-cache-scores', data: { home: 2 } });
    assert.deepEqual(await gateway.cache.get(TEST_APP.id, 'private-cache-scores'), { name: 'client-score', data: '{"home":2}' });
  });

  it('emits the client_event webhook when the app wants it', () => {
    const app = testApp({ webhooks: [{ url: 'https://hooks.example/herald', events: ['client_event'] }] });
    const connection = subscribed(['presence-room'], app);
    gateway.clientEvents.handle(connection, { event: 'client-wave', channel: 'presence-room', data: 'hi' });
    assert.deepEqual(
      gateway.webhookEvents.map((e) => ({ name: e.name, channel: e.channel, event: e.event, data: e.data, socketId: e.socketId, userId: e.userId })),
      [{ name: 'client_event', channel: 'presence-room', event: 'client-wave', data: 'hi', socketId: connection.socketId, userId: 'alice' }],
    );
    gateway.clientEvents.handle(subscribed(['private-chat']), { event: 'client-wave', channel: 'private-chat', data: 'hi' });
    assert.equal(gateway.webhookEvents.length, 1, 'not for an app without the webhook');
  });

  it('publishes to the subject of a channel whose name needs escaping', async () => {
    const connection = subscribed(['private-App.User.1']);
    const received: string[] = [];
    gateway.bus.subscribe(subjects.channel(TEST_APP.id, 'private-App.User.1'), (message) => received.push(decodeEvent(message.data).name));
    gateway.clientEvents.handle(connection, { event: 'client-x', channel: 'private-App.User.1', data: {} });
    await gateway.settle();
    assert.deepEqual(received, ['client-x']);
  });
});
