/**
 * Every Pusher HTTP API endpoint, called through the official `pusher` SDK, with pusher-js
 * clients as the receivers: trigger (one and many channels, socket_id exclusion, info),
 * batch, and the channel queries (/channels, /channels/:name, /channels/:name/users).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type Pusher from 'pusher';
import type PusherJs from 'pusher-js';
import type { Channel } from 'pusher-js';
import { connectedClient, nextEvent, serverSdk, subscribed } from '../helpers/pusher-clients';
import { rawClient } from '../helpers/raw-client';
import { startTestHerald, type TestApp, type TestHerald } from '../helpers/test-herald';
import { waitFor } from '../helpers/wait';

const APP: TestApp = { id: 'http-api-app', key: 'http-api-key', secret: 'http-api-secret' };

type Json = Record<string, unknown>;

/** Every non-pusher event on `channel`, in order. */
function everyEvent(channel: Channel): Array<{ event: string; data: unknown }> {
  const seen: Array<{ event: string; data: unknown }> = [];
  channel.bind_global((event: string, data: unknown) => {
    if (!event.startsWith('pusher:') && !event.startsWith('pusher_internal:')) seen.push({ event, data });
  });
  return seen;
}

/** Asserts the SDK call fails with `status` and a JSON `{error}` body. */
async function assertStatus(call: Promise<unknown>, status: number, reason?: RegExp): Promise<void> {
  await assert.rejects(call, (err: { status?: number; body?: string }) => {
    assert.equal(err.status, status, `expected HTTP ${status}, got ${err.status}: ${err.body}`);
    const body = JSON.parse(err.body ?? '') as { error?: string };
    assert.equal(typeof body.error, 'string');
    if (reason) assert.match(body.error ?? '', reason);
    return true;
  });
}

describe('HTTP API through the pusher SDK', () => {
  let herald: TestHerald;
  let sdk: Pusher;
  const clients: PusherJs[] = [];
  before(async () => {
    herald = await startTestHerald({ apps: [APP] });
    sdk = serverSdk(herald, APP);
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    await herald.stop();
  });

  async function client(user?: { id: string; info?: Record<string, unknown> }): Promise<PusherJs> {
    const c = await connectedClient(herald, APP, { user });
    clients.push(c);
    return c;
  }

  async function json(response: Promise<{ status: number; json(): Promise<unknown> }>): Promise<Json> {
    const r = await response;
    assert.equal(r.status, 200);
    return (await r.json()) as Json;
  }

  /** The channel's attributes as GET /channels/:name reports them, once they equal `expected`. */
  function settled(channel: string, info: string, expected: Json): Promise<Json> {
    return waitFor(
      async () => {
        const body = await json(sdk.get({ path: `/channels/${channel}`, params: { info } }));
        try {
          assert.deepEqual(body, expected);
          return body;
        } catch (err) {
          throw Object.assign(new Error(`${channel}: ${JSON.stringify(body)}`), { cause: err });
        }
      },
      `${channel} to report ${JSON.stringify(expected)}`,
    );
  }

  describe('POST /events', () => {
    it('triggers an event on one channel and answers {}', async () => {
      const channel = await subscribed(await client(), 'news');
      const got = nextEvent(channel, 'headline');
      assert.deepEqual(await json(sdk.trigger('news', 'headline', { title: 'Hello', n: 1 })), {});
      assert.deepEqual(await got, { title: 'Hello', n: 1 });
    });

    it('relays data exactly as the SDK sent it: a string stays a string, unicode intact', async () => {
      const raw = await rawClient(herald.port, APP.key);
      try {
        assert.equal((await raw.subscribe('wire')).event, 'pusher_internal:subscription_succeeded');
        const from = raw.frames.length;
        await sdk.trigger('wire', 'text', 'plain, not JSON: żółw 🐢');
        await sdk.trigger('wire', 'object', { nested: { list: [1, 'two', null] } });
        const text = await raw.next((f) => f.event === 'text', 'text event', 5000, from);
        const object = await raw.next((f) => f.event === 'object', 'object event', 5000, from);
        assert.deepEqual(text, { event: 'text', channel: 'wire', data: 'plain, not JSON: żółw 🐢' });
        assert.deepEqual(object, { event: 'object', channel: 'wire', data: '{"nested":{"list":[1,"two",null]}}' });
      } finally {
        raw.close();
      }
    });

    it('triggers one event on several channels: each subscriber gets it once, other channels nothing', async () => {
      const c = await client();
      const [a, b, dotted, other] = await Promise.all(['multi-a', 'multi-b', 'private-App.Models.User.5', 'multi-other'].map((n) => subscribed(c, n)));
      const seen = [a, b, dotted, other].map(everyEvent);
      const marker = nextEvent(other, 'marker');
      assert.deepEqual(await json(sdk.trigger(['multi-a', 'multi-b', 'private-App.Models.User.5'], 'fanned', { x: 1 })), {});
      await sdk.trigger(['multi-other', 'multi-a'], 'marker', {});
      await marker;
      await waitFor(() => seen[0].length === 2, 'the marker on multi-a');
      assert.deepEqual(seen[0], [
        { event: 'fanned', data: { x: 1 } },
        { event: 'marker', data: {} },
      ]);
      assert.deepEqual(seen[1], [{ event: 'fanned', data: { x: 1 } }]);
      assert.deepEqual(seen[2], [{ event: 'fanned', data: { x: 1 } }]);
      assert.deepEqual(seen[3], [{ event: 'marker', data: {} }], 'a channel not listed got nothing');
    });

    it("accepts 100 channels in one trigger (the SDK's limit)", async () => {
      const c = await client();
      const last = await subscribed(c, 'hundred-99');
      const got = nextEvent(last, 'wide');
      const channels = Array.from({ length: 100 }, (_, i) => `hundred-${i}`);
      assert.deepEqual(await json(sdk.trigger(channels, 'wide', {})), {});
      await got;
    });

    it('excludes the socket named by socket_id; everyone else gets the event', async () => {
      const [sender, other] = [await client(), await client()];
      const [senderChannel, otherChannel] = [await subscribed(sender, 'excluded'), await subscribed(other, 'excluded')];
      const senderSaw = everyEvent(senderChannel);
      const otherGot = nextEvent(otherChannel, 'update');
      await sdk.trigger('excluded', 'update', { v: 1 }, { socket_id: sender.connection.socket_id });
      assert.deepEqual(await otherGot, { v: 1 });
      // The same path, later, without exclusion: the sender gets this one and nothing before it.
      const marker = nextEvent(senderChannel, 'marker');
      await sdk.trigger('excluded', 'marker', {});
      await marker;
      assert.deepEqual(
        senderSaw.map((e) => e.event),
        ['marker'],
      );
    });

    it('excludes socket_id on every channel of a multi-channel trigger', async () => {
      const [sender, other] = [await client(), await client()];
      const senderChannels = [await subscribed(sender, 'ex-1'), await subscribed(sender, 'ex-2')];
      const otherChannels = [await subscribed(other, 'ex-1'), await subscribed(other, 'ex-2')];
      const senderSaw = senderChannels.map(everyEvent);
      const got = otherChannels.map((c) => nextEvent(c, 'update'));
      await sdk.trigger(['ex-1', 'ex-2'], 'update', {}, { socket_id: sender.connection.socket_id });
      await Promise.all(got);
      const markers = senderChannels.map((c) => nextEvent(c, 'marker'));
      await sdk.trigger(['ex-1', 'ex-2'], 'marker', {});
      await Promise.all(markers);
      assert.deepEqual(
        senderSaw.map((s) => s.map((e) => e.event)),
        [['marker'], ['marker']],
      );
    });

    it("answers info=subscription_count with the channel's subscription count", async () => {
      const [one, two] = [await client(), await client()];
      await subscribed(one, 'counted');
      await subscribed(two, 'counted');
      await settled('counted', 'subscription_count', { occupied: true, subscription_count: 2 });
      const body = await json(sdk.trigger('counted', 'e', {}, { info: 'subscription_count' }));
      assert.deepEqual(body, { channels: { counted: { subscription_count: 2 } } });
    });

    it('answers info=user_count,subscription_count for a presence channel, one user on two sockets counted once', async () => {
      const alice1 = await client({ id: 'alice' });
      const alice2 = await client({ id: 'alice' });
      const bob = await client({ id: 'bob' });
      for (const c of [alice1, alice2, bob]) await subscribed(c, 'presence-info');
      await settled('presence-info', 'user_count,subscription_count', { occupied: true, user_count: 2, subscription_count: 3 });
      const body = await json(sdk.trigger('presence-info', 'e', {}, { info: 'user_count,subscription_count' }));
      assert.deepEqual(body, { channels: { 'presence-info': { user_count: 2, subscription_count: 3 } } });
    });

    it('answers info for each channel of a multi-channel trigger; user_count only for presence channels', async () => {
      const c = await client({ id: 'carol' });
      await subscribed(c, 'presence-mixed');
      await subscribed(c, 'mixed');
      await settled('mixed', 'subscription_count', { occupied: true, subscription_count: 1 });
      await settled('presence-mixed', 'user_count', { occupied: true, user_count: 1 });
      const body = await json(sdk.trigger(['presence-mixed', 'mixed', 'mixed-empty'], 'e', {}, { info: 'user_count,subscription_count' }));
      assert.deepEqual(body, {
        channels: {
          'presence-mixed': { user_count: 1, subscription_count: 1 },
          mixed: { subscription_count: 1 },
          'mixed-empty': { subscription_count: 0 },
        },
      });
    });
  });

  describe('POST /batch_events', () => {
    it('triggers every event of a batch and answers {}', async () => {
      const c = await client();
      const [a, b] = [await subscribed(c, 'batch-a'), await subscribed(c, 'batch-b')];
      const seenA = everyEvent(a);
      const gotB = nextEvent(b, 'second');
      const body = await json(
        sdk.triggerBatch([
          { channel: 'batch-a', name: 'first', data: { n: 1 } },
          { channel: 'batch-b', name: 'second', data: 'two' },
          { channel: 'batch-a', name: 'third', data: { n: 3 } },
        ]),
      );
      assert.deepEqual(body, {});
      assert.equal(await gotB, 'two');
      await waitFor(() => seenA.length === 2, 'both events on batch-a');
      assert.deepEqual(
        seenA,
        [
          { event: 'first', data: { n: 1 } },
          { event: 'third', data: { n: 3 } },
        ],
        'in batch order',
      );
    });

    it('accepts a batch of 10 to one channel and delivers them in order', async () => {
      const channel = await subscribed(await client(), 'batch-ten');
      const seen = everyEvent(channel);
      await json(sdk.triggerBatch(Array.from({ length: 10 }, (_, i) => ({ channel: 'batch-ten', name: 'n', data: { i } }))));
      await waitFor(() => seen.length === 10, 'ten events');
      assert.deepEqual(
        seen.map((e) => e.data),
        Array.from({ length: 10 }, (_, i) => ({ i })),
      );
    });

    it("excludes each item's socket_id", async () => {
      const [sender, other] = [await client(), await client()];
      const senderChannel = await subscribed(sender, 'batch-ex');
      const otherChannel = await subscribed(other, 'batch-ex');
      const senderSaw = everyEvent(senderChannel);
      const otherSaw = everyEvent(otherChannel);
      await sdk.triggerBatch([
        { channel: 'batch-ex', name: 'not-to-sender', data: {}, socket_id: sender.connection.socket_id },
        { channel: 'batch-ex', name: 'not-to-other', data: {}, socket_id: other.connection.socket_id },
        { channel: 'batch-ex', name: 'to-both', data: {} },
      ]);
      await waitFor(() => senderSaw.length === 2 && otherSaw.length === 2, 'two events each');
      assert.deepEqual(
        senderSaw.map((e) => e.event),
        ['not-to-other', 'to-both'],
      );
      assert.deepEqual(
        otherSaw.map((e) => e.event),
        ['not-to-sender', 'to-both'],
      );
    });

    it('answers info per item, in batch order', async () => {
      const c = await client({ id: 'dora' });
      await subscribed(c, 'presence-batch-info');
      await subscribed(c, 'batch-info');
      await settled('batch-info', 'subscription_count', { occupied: true, subscription_count: 1 });
      await settled('presence-batch-info', 'user_count', { occupied: true, user_count: 1 });
      const body = await json(
        sdk.triggerBatch([
          { channel: 'batch-info', name: 'e', data: {}, info: 'subscription_count' },
          { channel: 'presence-batch-info', name: 'e', data: {}, info: 'user_count' },
          { channel: 'batch-info', name: 'e', data: {} },
        ]),
      );
      assert.deepEqual(body, { batch: [{ subscription_count: 1 }, { user_count: 1 }, {}] });
    });
  });

  describe('GET /channels', () => {
    it('lists occupied channels only, and filters by prefix', async () => {
      const c = await client({ id: 'erin' });
      for (const name of ['list-one', 'list-two', 'presence-list-room', 'private-list-secret']) await subscribed(c, name);
      const listed = await waitFor(async () => {
        const body = (await json(sdk.get({ path: '/channels' }))) as { channels: Json };
        const ok = ['list-one', 'list-two', 'presence-list-room', 'private-list-secret'].every((n) => n in body.channels);
        return ok && body;
      }, 'the four channels to be listed');
      assert.deepEqual(listed.channels['list-one'], {});
      assert.ok(!('list-never-subscribed' in listed.channels));

      const filtered = (await json(sdk.get({ path: '/channels', params: { filter_by_prefix: 'list-' } }))) as { channels: Json };
      assert.deepEqual(Object.keys(filtered.channels).sort(), ['list-one', 'list-two']);
      const privates = (await json(sdk.get({ path: '/channels', params: { filter_by_prefix: 'private-list' } }))) as { channels: Json };
      assert.deepEqual(privates, { channels: { 'private-list-secret': {} } });
    });

    it('gives user_count for presence channels with filter_by_prefix=presence-', async () => {
      const [f1, f2, g] = [await client({ id: 'fred' }), await client({ id: 'fred' }), await client({ id: 'gina' })];
      await subscribed(f1, 'presence-uc-a');
      await subscribed(f2, 'presence-uc-a');
      await subscribed(g, 'presence-uc-a');
      await subscribed(g, 'presence-uc-b');
      await settled('presence-uc-a', 'user_count', { occupied: true, user_count: 2 });
      const body = (await json(sdk.get({ path: '/channels', params: { filter_by_prefix: 'presence-uc-', info: 'user_count' } }))) as { channels: Json };
      assert.deepEqual(body, { channels: { 'presence-uc-a': { user_count: 2 }, 'presence-uc-b': { user_count: 1 } } });
    });

    it('refuses info=user_count without the presence- prefix filter (400)', async () => {
      await assertStatus(sdk.get({ path: '/channels', params: { info: 'user_count' } }), 400, /presence/);
      await assertStatus(sdk.get({ path: '/channels', params: { info: 'user_count', filter_by_prefix: 'private-' } }), 400);
    });

    it('drops a channel from the list once its last subscriber leaves', async () => {
      const c = await client();
      await subscribed(c, 'list-leaving');
      await settled('list-leaving', 'subscription_count', { occupied: true, subscription_count: 1 });
      c.unsubscribe('list-leaving');
      await settled('list-leaving', 'subscription_count', { occupied: false, subscription_count: 0 });
      const body = (await json(sdk.get({ path: '/channels', params: { filter_by_prefix: 'list-leaving' } }))) as { channels: Json };
      assert.deepEqual(body, { channels: {} });
    });
  });

  describe('GET /channels/:name', () => {
    it('reports occupied and subscription_count for a public channel', async () => {
      const [a, b] = [await client(), await client()];
      await subscribed(a, 'info-public');
      await subscribed(b, 'info-public');
      await settled('info-public', 'subscription_count', { occupied: true, subscription_count: 2 });
      assert.deepEqual(await json(sdk.get({ path: '/channels/info-public' })), { occupied: true });
    });

    it('reports an unoccupied channel as {occupied:false}', async () => {
      assert.deepEqual(await json(sdk.get({ path: '/channels/nobody-here' })), { occupied: false });
      assert.deepEqual(await json(sdk.get({ path: '/channels/nobody-here', params: { info: 'subscription_count' } })), {
        occupied: false,
        subscription_count: 0,
      });
    });

    it('reports user_count and subscription_count for a presence channel', async () => {
      const [h1, h2] = [await client({ id: 'hank' }), await client({ id: 'hank' })];
      await subscribed(h1, 'presence-info-room');
      await subscribed(h2, 'presence-info-room');
      await settled('presence-info-room', 'user_count,subscription_count', { occupied: true, user_count: 1, subscription_count: 2 });
    });

    it('works for names with dots', async () => {
      await subscribed(await client(), 'private-App.Models.Order.42');
      await settled('private-App.Models.Order.42', 'subscription_count', { occupied: true, subscription_count: 1 });
    });

    it('refuses user_count on a non-presence channel (400)', async () => {
      await assertStatus(sdk.get({ path: '/channels/info-public', params: { info: 'user_count' } }), 400, /presence/);
      await assertStatus(sdk.get({ path: '/channels/private-x', params: { info: 'user_count' } }), 400);
    });
  });

  describe('GET /channels/:name/users', () => {
    it('lists each user of a presence channel once', async () => {
      const [i1, i2, j] = [await client({ id: 'ivy' }), await client({ id: 'ivy' }), await client({ id: 'jon' })];
      for (const c of [i1, i2, j]) await subscribed(c, 'presence-users');
      const body = (await json(sdk.get({ path: '/channels/presence-users/users' }))) as { users: Array<{ id: string }> };
      assert.deepEqual(body.users.map((u) => u.id).sort(), ['ivy', 'jon']);
      assert.deepEqual(
        body.users.map((u) => Object.keys(u)),
        [['id'], ['id']],
        'each user is {id} only',
      );
      // When jon leaves, only ivy is left.
      j.unsubscribe('presence-users');
      await waitFor(async () => {
        const after = (await json(sdk.get({ path: '/channels/presence-users/users' }))) as { users: Array<{ id: string }> };
        return after.users.length === 1 && after.users[0].id === 'ivy';
      }, 'jon to leave the user list');
    });

    it('answers an empty list for an empty presence channel', async () => {
      assert.deepEqual(await json(sdk.get({ path: '/channels/presence-empty/users' })), { users: [] });
    });

    it('refuses a non-presence channel (400)', async () => {
      await assertStatus(sdk.get({ path: '/channels/public-room/users' }), 400, /presence/);
      await assertStatus(sdk.get({ path: '/channels/private-room/users' }), 400);
    });
  });
});
