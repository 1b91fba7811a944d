/**
 * Presence channels with pusher-js: the member set on subscription, member_added and
 * member_removed, one user on several sockets counting once, the HTTP API's view of it,
 * and Pusher's limits on members, user_id and user_info.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type PusherJs from 'pusher-js';
import type { PresenceChannel } from 'pusher-js';
import { collect, connectedClient, nextEvent, serverSdk, subscribedPresence } from '../helpers/pusher-clients';
import { rawClient } from '../helpers/raw-client';
import { startTestHerald, type TestApp, type TestHerald } from '../helpers/test-herald';
import { waitFor, within } from '../helpers/wait';

const APP: TestApp = { id: 'pres-app', key: 'pres-key', secret: 'pres-secret' };
const SMALL: TestApp = { id: 'pres-small', key: 'pres-small-key', secret: 'pres-small-secret', limits: { maxPresenceMembers: 2 } };

interface Member {
  id: string;
  info: unknown;
}

describe('presence channels', () => {
  let herald: TestHerald;
  const clients: PusherJs[] = [];
  before(async () => {
    herald = await startTestHerald({ apps: [APP, SMALL] });
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    await herald.stop();
  });

  async function member(id: string, info?: Record<string, unknown>, app: TestApp = APP): Promise<PusherJs> {
    const c = await connectedClient(herald, app, { user: { id, info } });
    clients.push(c);
    return c;
  }

  async function apiGet<T>(path: string, params?: Record<string, string>, app: TestApp = APP): Promise<T> {
    const response = await serverSdk(herald, app).get({ path, params });
    return (await response.json()) as T;
  }

  async function userIds(channel: string): Promise<string[]> {
    const body = await apiGet<{ users: Array<{ id: string }> }>(`/channels/${channel}/users`);
    return body.users.map((u) => u.id).sort();
  }

  async function counts(channel: string): Promise<{ occupied: boolean; user_count: number; subscription_count: number }> {
    return apiGet(`/channels/${channel}`, { info: 'user_count,subscription_count' });
  }

  it('sends subscription_succeeded with {presence:{ids,hash,count}} as Pusher does', async () => {
    const first = await member('ann', { name: 'Ann' });
    await subscribedPresence(first, 'presence-wire');

    const raw = await rawClient(herald.port, APP.key);
    try {
      const channelData = JSON.stringify({ user_id: 'bob', user_info: { name: 'Bob' } });
      const { auth } = serverSdk(herald, APP).authorizeChannel(raw.socketId, 'presence-wire', { user_id: 'bob', user_info: { name: 'Bob' } });
      const answer = await raw.subscribe('presence-wire', { auth, channel_data: channelData });
      assert.equal(answer.event, 'pusher_internal:subscription_succeeded');
      assert.equal(typeof answer.data, 'string', 'data is a JSON string');
      const data = JSON.parse(answer.data as string) as { presence: { ids: string[]; hash: Record<string, unknown>; count: number } };
      assert.deepEqual(Object.keys(data), ['presence']);
      assert.deepEqual([...data.presence.ids].sort(), ['ann', 'bob']);
      assert.deepEqual(data.presence.hash, { ann: { name: 'Ann' }, bob: { name: 'Bob' } });
      assert.equal(data.presence.count, 2);
    } finally {
      raw.close();
    }
  });

  it('pusher-js sees the members, member_added and member_removed', async () => {
    const ann = await member('ann', { name: 'Ann' });
    const annChannel = await subscribedPresence(ann, 'presence-room');
    assert.equal(annChannel.members.count, 1);
    assert.deepEqual(annChannel.members.me, { id: 'ann', info: { name: 'Ann' } });

    const added = nextEvent<Member>(annChannel, 'pusher:member_added');
    const bob = await member('bob', { name: 'Bob' });
    const bobChannel = await subscribedPresence(bob, 'presence-room');
    assert.deepEqual(await added, { id: 'bob', info: { name: 'Bob' } });
    assert.equal(bobChannel.members.count, 2);
    assert.deepEqual(bobChannel.members.get('ann'), { id: 'ann', info: { name: 'Ann' } });
    assert.equal(annChannel.members.count, 2);

    const removed = nextEvent<Member>(annChannel, 'pusher:member_removed');
    bob.disconnect();
    assert.deepEqual(await removed, { id: 'bob', info: { name: 'Bob' } });
    assert.equal(annChannel.members.count, 1);
  });

  it('tells the others when a member unsubscribes without disconnecting', async () => {
    const ann = await member('ann');
    const annChannel = await subscribedPresence(ann, 'presence-unsub');
    const bob = await member('bob');
    const added = nextEvent<Member>(annChannel, 'pusher:member_added');
    await subscribedPresence(bob, 'presence-unsub');
    await added;
    const removed = nextEvent<Member>(annChannel, 'pusher:member_removed');
    bob.unsubscribe('presence-unsub');
    assert.equal((await removed).id, 'bob');
    assert.equal(bob.connection.state, 'connected');
  });

  it('counts one user on two sockets once: member_added once, member_removed only when the last socket leaves', async () => {
    const channel = 'presence-multi';
    const watcher = await member('watcher');
    const watched = await subscribedPresence(watcher, channel);
    const added = collect<Member>(watched, 'pusher:member_added');
    const removed = collect<Member>(watched, 'pusher:member_removed');

    const first = await member('sam', { device: 'phone' });
    await subscribedPresence(first, channel);
    await waitFor(() => added.length === 1, 'member_added for sam');
    assert.deepEqual(added[0], { id: 'sam', info: { device: 'phone' } });

    const second = await member('sam', { device: 'laptop' });
    const secondChannel = await subscribedPresence(second, channel);
    assert.equal(secondChannel.members.count, 2, 'sam and the watcher');

    // A third user joining afterwards is the marker: sam's second socket must not have been announced before it.
    const marker = await member('mark');
    await subscribedPresence(marker, channel);
    await waitFor(() => added.length >= 2, 'member_added for mark');
    assert.deepEqual(
      added.map((m) => m.id),
      ['sam', 'mark'],
    );
    assert.equal(watched.members.count, 3);

    assert.deepEqual(await userIds(channel), ['mark', 'sam', 'watcher']);
    assert.deepEqual(await counts(channel), { occupied: true, user_count: 3, subscription_count: 4 });

    // Sam's first socket leaves: sam is still there.
    first.disconnect();
    await waitFor(async () => (await counts(channel)).subscription_count === 3, 'the first socket to have left');
    assert.deepEqual(await userIds(channel), ['mark', 'sam', 'watcher']);
    assert.equal((await counts(channel)).user_count, 3);
    marker.disconnect();
    await waitFor(() => removed.length >= 1, 'member_removed for mark');
    assert.deepEqual(
      removed.map((m) => m.id),
      ['mark'],
      'no member_removed for sam while a socket of sam remains',
    );

    // Sam's last socket leaves.
    second.disconnect();
    await waitFor(() => removed.length >= 2, 'member_removed for sam');
    assert.deepEqual(
      removed.map((m) => m.id),
      ['mark', 'sam'],
    );
    assert.deepEqual(await userIds(channel), ['watcher']);
    assert.deepEqual(await counts(channel), { occupied: true, user_count: 1, subscription_count: 1 });
  });

  it('shows user_count in GET /channels with filter_by_prefix=presence-', async () => {
    const a = await member('p1');
    const b = await member('p2');
    await subscribedPresence(a, 'presence-listed');
    await subscribedPresence(b, 'presence-listed');
    const body = await apiGet<{ channels: Record<string, { user_count?: number }> }>('/channels', {
      filter_by_prefix: 'presence-listed',
      info: 'user_count',
    });
    assert.deepEqual(body, { channels: { 'presence-listed': { user_count: 2 } } });
  });

  it('refuses a third distinct user when the app allows 2 members; the same users may add sockets', async () => {
    const channel = 'presence-full';
    const one = await member('one', undefined, SMALL);
    const two = await member('two', undefined, SMALL);
    await subscribedPresence(one, channel);
    await subscribedPresence(two, channel);
    const oneAgain = await member('one', undefined, SMALL);
    await subscribedPresence(oneAgain, channel);

    const three = await member('three', undefined, SMALL);
    const refused = await within(
      new Promise<{ status: number; error: string }>((resolve, reject) => {
        const c = three.subscribe(channel);
        c.bind('pusher:subscription_error', resolve);
        c.bind('pusher:subscription_succeeded', () => reject(new Error('a third member was admitted')));
      }),
      'subscription_error for the third member',
    );
    assert.equal(typeof refused.error, 'string');
    assert.ok(refused.status >= 400 && refused.status < 500, `a client error status, got ${refused.status}`);
    assert.equal(three.connection.state, 'connected');

    // When a member leaves, there is room again.
    const removed = nextEvent<Member>(one.channel(channel) as PresenceChannel, 'pusher:member_removed');
    two.disconnect();
    await removed;
    // (pusher-js keeps a refused channel "pending", so the retry uses a new connection.)
    const threeAgain = await member('three', undefined, SMALL);
    const admitted = await subscribedPresence(threeAgain, channel);
    assert.equal(admitted.members.count, 2);
  });

  async function presenceRefusal(channelData: Record<string, unknown>): Promise<{ status: number; error: string }> {
    const raw = await rawClient(herald.port, APP.key);
    try {
      const json = JSON.stringify(channelData);
      const { auth } = serverSdk(herald, APP).authorizeChannel(raw.socketId, 'presence-limits', channelData as { user_id: string });
      const answer = await raw.subscribe('presence-limits', { auth, channel_data: json });
      if (answer.event !== 'pusher:subscription_error') return { status: 200, error: '' };
      // The socket keeps working after the refusal.
      assert.equal((await raw.subscribe('after-refusal')).event, 'pusher_internal:subscription_succeeded');
      return answer.data as { status: number; error: string };
    } finally {
      raw.close();
    }
  }

  it('accepts a 128-character user_id and refuses 129 characters', async () => {
    assert.equal((await presenceRefusal({ user_id: 'u'.repeat(128) })).status, 200);
    const refused = await presenceRefusal({ user_id: 'u'.repeat(129) });
    assert.ok(refused.status >= 400 && refused.status < 500);
    assert.match(refused.error, /128/);
  });

  it('accepts user_info up to 1 KB and refuses more', async () => {
    // {"bio":"…"} is 10 bytes of JSON around the text.
    assert.equal((await presenceRefusal({ user_id: 'ok', user_info: { bio: 'b'.repeat(1024 - 10) } })).status, 200);
    const refused = await presenceRefusal({ user_id: 'big', user_info: { bio: 'b'.repeat(1024 - 9) } });
    assert.ok(refused.status >= 400 && refused.status < 500);
    assert.match(refused.error, /1024/);
  });

  it('pusher-js reports the user_info refusal as subscription_error', async () => {
    const c = await member('huge', { bio: 'x'.repeat(2000) });
    const refused = await within(
      new Promise<{ status: number }>((resolve, reject) => {
        const channel = c.subscribe('presence-huge');
        channel.bind('pusher:subscription_error', resolve);
        channel.bind('pusher:subscription_succeeded', () => reject(new Error('accepted')));
      }),
      'subscription_error',
    );
    assert.ok(refused.status >= 400 && refused.status < 500);
  });
});
