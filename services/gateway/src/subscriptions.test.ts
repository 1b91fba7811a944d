import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { SubscriptionRefused } from '../../core/src/protocol/errors';
import { channelEventFrame } from '../../core/src/protocol/frames';
import { serverTextFrame } from '../../core/src/protocol/websocket-frame';
import { signChannelAuth } from '../../core/src/signing/socket-auth';
import type { CachedEvent, CacheStore } from '../../core/src/stores/cache-store';
import type { Connection } from './connection';
import { TEST_APP, TestGateway, testApp } from './testing/test-gateway';

/** Asserts that `promise` (or `fn`) refuses the subscription with exactly these values. */
async function assertRefused(
  fn: () => Promise<unknown>,
  expected: { channel: string; type: SubscriptionRefused['type']; message: string | RegExp; status: number },
): Promise<void> {
  await assert.rejects(fn, (err: unknown) => {
    assert.ok(err instanceof SubscriptionRefused, `expected SubscriptionRefused, got ${String(err)}`);
    assert.equal(err.channel, expected.channel);
    assert.equal(err.type, expected.type);
    assert.equal(err.status, expected.status);
    if (typeof expected.message === 'string') assert.equal(err.message, expected.message);
    else assert.match(err.message, expected.message);
    return true;
  });
}

const auth = (connection: Connection, channel: string, channelData?: string) => signChannelAuth(TEST_APP, connection.socketId, channel, channelData);

describe('Subscriptions', () => {
  let gateway: TestGateway;
  beforeEach(() => {
    gateway = new TestGateway({ busTimeoutMs: 5 });
  });
  afterEach(() => gateway.stop());

  describe('public channels', () => {
    it('attaches the socket and confirms with subscription_succeeded and "{}" data', async () => {
      const { connection, transport } = gateway.connect();
      await gateway.subscriptions.subscribe(connection, { channel: 'news' });
      assert.deepEqual(transport.texts(), ['{"event":"pusher_internal:subscription_succeeded","channel":"news","data":"{}"}']);
      assert.deepEqual(connection.subscriptions.get('news'), { established: true });
      assert.ok(gateway.registry.get(TEST_APP.id, 'news')?.subscribers.has(connection));
      assert.deepEqual(gateway.counts, [{ channel: 'news', count: 1 }]);
    });

    it('confirms a repeated subscribe again without attaching twice', async () => {
      const { connection, transport } = gateway.connect();
      await gateway.subscriptions.subscribe(connection, { channel: 'news' });
      await gateway.subscriptions.subscribe(connection, { channel: 'news' });
      assert.deepEqual(transport.events(), ['pusher_internal:subscription_succeeded', 'pusher_internal:subscription_succeeded']);
      assert.deepEqual(gateway.counts, [{ channel: 'news', count: 1 }]);
    });

    it('ignores a subscribe while the same subscription is still being set up', async () => {
      const { connection, transport } = gateway.connect();
      const first = gateway.subscriptions.subscribe(connection, { channel: 'news' });
      await gateway.subscriptions.subscribe(connection, { channel: 'news' });
      await first;
      assert.deepEqual(transport.events(), ['pusher_internal:subscription_succeeded']);
    });

    it('does not attach a socket that unsubscribed or left while the bus confirmed the interest', async () => {
      const { connection, transport } = gateway.connect();
      const pending = gateway.subscriptions.subscribe(connection, { channel: 'news' });
      gateway.subscriptions.unsubscribe(connection, 'news');
      await pending;
      const gone = gateway.connect();
      const leaving = gateway.subscriptions.subscribe(gone.connection, { channel: 'news' });
      gateway.disconnect(gone.connection);
      await leaving;
      assert.deepEqual([...transport.frames, ...gone.transport.frames], []);
      assert.equal(gateway.registry.get(TEST_APP.id, 'news'), undefined, 'the channel was dropped, interest and all');
    });

    it('refuses names Pusher does not allow with InvalidChannelName 400', async () => {
      const { connection } = gateway.connect();
      await assertRefused(async () => gateway.subscriptions.subscribe(connection, { channel: 'bad name!' }), {
        channel: 'bad name!',
        type: 'InvalidChannelName',
        message: 'Channel name "bad name!" contains characters outside [A-Za-z0-9_-=@,.;]',
        status: 400,
      });
      const long = 'x'.repeat(201);
      await assertRefused(async () => gateway.subscriptions.subscribe(connection, { channel: long }), {
        channel: long,
        type: 'InvalidChannelName',
        message: 'Channel name too long: 201 characters, the limit is 200',
        status: 400,
      });
      assert.equal(connection.subscriptions.size, 0);
    });
  });

  describe('private and encrypted channels', () => {
    for (const channel of ['private-chat', 'private-encrypted-chat', 'private-App.User.1']) {
      it(`subscribes ${channel} with the app's signature for this socket`, async () => {
        const { connection, transport } = gateway.connect();
        await gateway.subscriptions.subscribe(connection, { channel, auth: auth(connection, channel) });
        assert.deepEqual(transport.json(), [{ event: 'pusher_internal:subscription_succeeded', channel, data: '{}' }]);
      });
    }

    it('refuses a missing auth with AuthError 401', async () => {
      const { connection } = gateway.connect();
      for (const data of [{ channel: 'private-chat' }, { channel: 'private-chat', auth: '' }, { channel: 'private-chat', auth: 5 }]) {
        await assertRefused(async () => gateway.subscriptions.subscribe(connection, data), {
          channel: 'private-chat',
          type: 'AuthError',
          message: 'Auth value for subscription to private-chat is required',
          status: 401,
        });
      }
    });

    it('refuses a signature made for another socket, channel or secret with AuthError 401', async () => {
      const { connection } = gateway.connect();
      const other = gateway.connect().connection;
      const wrong = [
        auth(other, 'private-chat'),
        auth(connection, 'private-other'),
        signChannelAuth({ key: TEST_APP.key, secret: 'not-the-secret' }, connection.socketId, 'private-chat'),
      ];
      for (const signature of wrong) {
        await assertRefused(async () => gateway.subscriptions.subscribe(connection, { channel: 'private-chat', auth: signature }), {
          channel: 'private-chat',
          type: 'AuthError',
          message: `Invalid signature: the auth for private-chat does not match socket ${connection.socketId}`,
          status: 401,
        });
      }
      assert.equal(connection.subscriptions.size, 0);
      assert.deepEqual(gateway.counts, []);
    });
  });

  describe('presence channels', () => {
    const channel = 'presence-room';
    const channelData = JSON.stringify({ user_id: 'alice', user_info: { name: 'Alice' } });

    it('joins through the presence service and confirms with the members', async () => {
      gateway.presenceService.addMember(channel, { userId: 'bob', userInfo: '{"name":"Bob"}' });
      const { connection, transport } = gateway.connect();
      await gateway.subscriptions.subscribe(connection, { channel, auth: auth(connection, channel, channelData), channel_data: channelData });
      const [frame] = transport.json();
      assert.equal(frame.event, 'pusher_internal:subscription_succeeded');
      assert.deepEqual(JSON.parse(frame.data as string), {
        presence: { ids: ['bob', 'alice'], hash: { bob: { name: 'Bob' }, alice: { name: 'Alice' } }, count: 2 },
      });
      assert.deepEqual(connection.subscriptions.get(channel), { userId: 'alice', established: true });
      const join = gateway.presenceService.updates.find((u) => u.joins.length > 0);
      assert.deepEqual(join?.joins, [{ appId: TEST_APP.id, channel, socketId: connection.socketId, userId: 'alice', userInfo: '{"name":"Alice"}' }]);
      assert.equal(join?.request, true);
    });

    it('refuses a missing channel_data (AuthError 401) and one that is not a member (PresenceError 400)', async () => {
      const { connection } = gateway.connect();
      await assertRefused(async () => gateway.subscriptions.subscribe(connection, { channel, auth: auth(connection, channel) }), {
        channel,
        type: 'AuthError',
        message: 'channel_data for subscription to presence-room is required',
        status: 401,
      });
      const notMember = JSON.stringify({ user_info: {} });
      await assertRefused(async () => gateway.subscriptions.subscribe(connection, { channel, auth: auth(connection, channel, notMember), channel_data: notMember }), {
        channel,
        type: 'PresenceError',
        message: 'channel_data.user_id is required',
        status: 400,
      });
    });

    it('refuses channel_data the signature does not cover', async () => {
      const { connection } = gateway.connect();
      const signed = auth(connection, channel, channelData);
      await assertRefused(async () => gateway.subscriptions.subscribe(connection, { channel, auth: signed, channel_data: JSON.stringify({ user_id: 'mallory' }) }), {
        channel,
        type: 'AuthError',
        message: /^Invalid signature/,
        status: 401,
      });
      assert.deepEqual(gateway.presenceService.updates, [], 'presence never heard of it');
    });

    it('passes on the presence service’s refusal as PresenceError 403 and leaves nothing behind', async () => {
      gateway.presenceService.refusals.set(channel, 'Presence channel presence-room is full: it has the maximum of 100 members');
      const { connection, transport } = gateway.connect();
      await assertRefused(async () => gateway.subscriptions.subscribe(connection, { channel, auth: auth(connection, channel, channelData), channel_data: channelData }), {
        channel,
        type: 'PresenceError',
        message: 'Presence channel presence-room is full: it has the maximum of 100 members',
        status: 403,
      });
      assert.deepEqual(transport.frames, []);
      assert.equal(connection.subscriptions.size, 0);
      assert.equal(gateway.registry.get(TEST_APP.id, channel), undefined);
    });

    it('refuses with PresenceError 503 when no presence replica answers', async () => {
      gateway.presenceService.answering = false;
      const { connection } = gateway.connect();
      await assertRefused(async () => gateway.subscriptions.subscribe(connection, { channel, auth: auth(connection, channel, channelData), channel_data: channelData }), {
        channel,
        type: 'PresenceError',
        message: /^presence service unavailable \(request to herald\.presence\.updates timed out after 5 ms\)$/,
        status: 503,
      });
      await gateway.settle();
      const leaves = gateway.presenceService.updates.flatMap((u) => u.leaves);
      assert.deepEqual(leaves, [{ appId: TEST_APP.id, channel, socketId: connection.socketId }], 'the join it may have applied is undone');
    });

    it('leaves presence when the socket unsubscribes, during the join or after it', async () => {
      const { connection, transport } = gateway.connect();
      const joining = gateway.subscriptions.subscribe(connection, { channel, auth: auth(connection, channel, channelData), channel_data: channelData });
      gateway.subscriptions.unsubscribe(connection, channel);
      await joining;
      assert.deepEqual(transport.frames, [], 'never confirmed');
      await gateway.subscriptions.subscribe(connection, { channel, auth: auth(connection, channel, channelData), channel_data: channelData });
      gateway.subscriptions.unsubscribe(connection, channel);
      await gateway.settle();
      const leaves = gateway.presenceService.updates.flatMap((u) => u.leaves);
      assert.equal(leaves.length, 2);
      assert.ok(leaves.every((l) => l.socketId === connection.socketId && l.channel === channel));
    });
  });

  describe('#server-to-user- channels', () => {
    it('confirms the signed-in user’s own channel only', async () => {
      const { connection, transport } = gateway.connect();
      await assertRefused(async () => gateway.subscriptions.subscribe(connection, { channel: '#server-to-user-alice' }), {
        channel: '#server-to-user-alice',
        type: 'AuthError',
        message: 'Sign in as the user to receive #server-to-user-alice',
        status: 403,
      });
      connection.userId = 'alice';
      await gateway.subscriptions.subscribe(connection, { channel: '#server-to-user-alice' });
      await assertRefused(async () => gateway.subscriptions.subscribe(connection, { channel: '#server-to-user-bob' }), {
        channel: '#server-to-user-bob',
        type: 'AuthError',
        message: 'Sign in as the user to receive #server-to-user-bob',
        status: 403,
      });
      assert.deepEqual(transport.texts(), ['{"event":"pusher_internal:subscription_succeeded","channel":"#server-to-user-alice","data":"{}"}']);
    });
  });

  describe('the limit of subscriptions per connection', () => {
    const app = testApp({ limits: { maxSubscriptionsPerConnection: 3 } });
    const limitMessage = 'Too many subscriptions: this connection has the maximum of 3 channels; unsubscribe from one first';

    it('refuses one channel more than maxSubscriptionsPerConnection with LimitReached 403, of every type; the others stay', async () => {
      const { connection } = gateway.connect(app);
      const channelData = JSON.stringify({ user_id: 'alice' });
      await gateway.subscriptions.subscribe(connection, { channel: 'a' });
      await gateway.subscriptions.subscribe(connection, { channel: 'private-b', auth: auth(connection, 'private-b') });
      await gateway.subscriptions.subscribe(connection, { channel: 'presence-c', auth: auth(connection, 'presence-c', channelData), channel_data: channelData });
      for (const channel of ['d', 'private-d', 'presence-d', 'cache-d']) {
        await assertRefused(async () => gateway.subscriptions.subscribe(connection, { channel }), { channel, type: 'LimitReached', message: limitMessage, status: 403 });
      }
      assert.deepEqual([...connection.subscriptions.keys()], ['a', 'private-b', 'presence-c']);
      assert.equal(gateway.registry.get(app.id, 'd'), undefined, 'nothing reserved for a refused channel');
    });

    it('still confirms a channel the socket has, and admits a new one after an unsubscribe', async () => {
      const { connection, transport } = gateway.connect(app);
      for (const channel of ['a', 'b', 'c']) await gateway.subscriptions.subscribe(connection, { channel });
      await gateway.subscriptions.subscribe(connection, { channel: 'b' });
      gateway.subscriptions.unsubscribe(connection, 'a');
      await gateway.subscriptions.subscribe(connection, { channel: 'd' });
      assert.deepEqual(transport.events(), Array(5).fill('pusher_internal:subscription_succeeded'));
      assert.deepEqual([...connection.subscriptions.keys()], ['b', 'c', 'd']);
    });

    it('counts joins still on their way', async () => {
      const { connection } = gateway.connect(app);
      const joins = ['a', 'b', 'c'].map((channel) => gateway.subscriptions.subscribe(connection, { channel }));
      await assertRefused(async () => gateway.subscriptions.subscribe(connection, { channel: 'd' }), { channel: 'd', type: 'LimitReached', message: limitMessage, status: 403 });
      await Promise.all(joins);
    });

    it('defaults to 1000', async () => {
      const { connection } = gateway.connect();
      for (let i = 0; i < 1000; i++) await gateway.subscriptions.subscribe(connection, { channel: `channel-${i}` });
      await assertRefused(async () => gateway.subscriptions.subscribe(connection, { channel: 'one-more' }), {
        channel: 'one-more',
        type: 'LimitReached',
        message: 'Too many subscriptions: this connection has the maximum of 1000 channels; unsubscribe from one first',
        status: 403,
      });
    });
  });

  describe('cache channels', () => {
    it('replays the last event right after subscription_succeeded, pre-framed like any event', async () => {
      await gateway.cache.set(TEST_APP.id, 'cache-scores', { name: 'score', data: '{"home":1}' }, 60);
      const { connection, transport } = gateway.connect();
      await gateway.subscriptions.subscribe(connection, { channel: 'cache-scores' });
      assert.deepEqual(transport.texts(), [
        '{"event":"pusher_internal:subscription_succeeded","channel":"cache-scores","data":"{}"}',
        '{"event":"score","channel":"cache-scores","data":"{\\"home\\":1}"}',
      ]);
      assert.deepEqual(
        transport.frames.map((f) => f.via),
        ['text', 'framed'],
      );
    });

    it('sends pusher:cache_miss, and the cache_miss webhook, when nothing is cached', async () => {
      const app = testApp({ webhooks: [{ url: 'https://hooks.example/herald', events: ['cache_miss'] }] });
      const { connection, transport } = gateway.connect(app);
      const channel = 'private-cache-scores';
      await gateway.subscriptions.subscribe(connection, { channel, auth: auth(connection, channel) });
      assert.deepEqual(transport.texts(), [
        '{"event":"pusher_internal:subscription_succeeded","channel":"private-cache-scores","data":"{}"}',
        '{"event":"pusher:cache_miss","channel":"private-cache-scores"}',
      ]);
      assert.deepEqual(
        gateway.webhookEvents.map((e) => ({ name: e.name, channel: e.channel, appId: e.appId, timeMs: e.timeMs })),
        [{ name: 'cache_miss', channel, appId: TEST_APP.id, timeMs: gateway.clock.now() }],
      );
    });

    it('replays to a presence-cache channel after the members', async () => {
      await gateway.cache.set(TEST_APP.id, 'presence-cache-room', { name: 'topic', data: 'hello' }, 60);
      const { connection, transport } = gateway.connect();
      const channel = 'presence-cache-room';
      const channelData = JSON.stringify({ user_id: 'alice' });
      await gateway.subscriptions.subscribe(connection, { channel, auth: auth(connection, channel, channelData), channel_data: channelData });
      assert.deepEqual(transport.events(), ['pusher_internal:subscription_succeeded', 'topic']);
    });

    it('holds live events that arrive while the cache is read and sends them after the replay', async () => {
      let answer: (event: CachedEvent) => void = () => undefined;
      const slowCache: CacheStore = { get: () => new Promise((resolve) => (answer = resolve)), set: async () => undefined };
      const slow = new TestGateway({ cache: slowCache });
      const { connection, transport } = slow.connect();
      const subscribing = slow.subscriptions.subscribe(connection, { channel: 'cache-scores' });
      await slow.settle();
      const held = slow.registry.get(TEST_APP.id, 'cache-scores')?.heldForReplay.get(connection);
      assert.ok(held, 'attached with its live events held');
      held.push(serverTextFrame(channelEventFrame('score', 'cache-scores', 'new')));
      answer({ name: 'score', data: 'old' });
      await subscribing;
      assert.deepEqual(
        transport.json().map((f) => f.data),
        ['{}', 'old', 'new'],
      );
      await slow.stop();
    });
  });

  it('leaves every channel, and presence, when the socket goes away', async () => {
    const { connection } = gateway.connect();
    const channelData = JSON.stringify({ user_id: 'alice' });
    await gateway.subscriptions.subscribe(connection, { channel: 'news' });
    await gateway.subscriptions.subscribe(connection, { channel: 'presence-room', auth: auth(connection, 'presence-room', channelData), channel_data: channelData });
    gateway.disconnect(connection);
    await gateway.settle();
    assert.equal(connection.subscriptions.size, 0);
    assert.equal(gateway.registry.get(TEST_APP.id, 'news'), undefined);
    assert.deepEqual(
      gateway.presenceService.updates.flatMap((u) => u.leaves),
      [{ appId: TEST_APP.id, channel: 'presence-room', socketId: connection.socketId }],
    );
  });
});
