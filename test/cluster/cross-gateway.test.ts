/**
 * Events, exclusions, client events and presence across two gateway processes, with two
 * presence replicas and an api, on a real nats-server — driven by pusher-js and pusher.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type PusherJs from 'pusher-js';
import { type NatsServer, startNatsServer } from '../helpers/nats';
import { collect, connectedClient, nextEvent, subscribed, subscribedPresence } from '../helpers/pusher-clients';
import { waitFor } from '../helpers/wait';
import { TestCluster } from './cluster-fixture';

describe('cluster: two gateways on NATS', () => {
  let nats: NatsServer;
  let cluster: TestCluster;
  const clients: PusherJs[] = [];
  const client = async (gateway: number, user?: string) => {
    const c = await connectedClient({ port: cluster.gateways[gateway].port }, cluster.app, user ? { user: { id: user, info: { name: user } } } : {});
    clients.push(c);
    return c;
  };

  before(async () => {
    nats = await startNatsServer();
    cluster = await TestCluster.start({ natsUrls: [nats.url] });
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    await cluster?.stop();
    await nats?.stop();
  });

  it('delivers an event published through the api to subscribers on both gateways', async () => {
    const [a, b] = [await client(0), await client(1)];
    const [channelA, channelB] = [await subscribed(a, 'scores'), await subscribed(b, 'scores')];
    const gotA = nextEvent(channelA, 'goal');
    const gotB = nextEvent(channelB, 'goal');
    const response = await cluster.sdk().trigger('scores', 'goal', { team: 'blue' });
    assert.equal(response.status, 200);
    assert.deepEqual(await gotA, { team: 'blue' });
    assert.deepEqual(await gotB, { team: 'blue' });
  });

  it('excludes the socket named by socket_id even when it sits on the other gateway', async () => {
    const [a, b] = [await client(0), await client(1)];
    const [channelA, channelB] = [await subscribed(a, 'excl'), await subscribed(b, 'excl')];
    const seenByA = collect(channelA, 'update');
    const marker = nextEvent(channelA, 'marker');
    const gotB = nextEvent(channelB, 'update');
    await cluster.sdk().trigger('excl', 'update', { n: 1 }, { socket_id: a.connection.socket_id });
    assert.deepEqual(await gotB, { n: 1 });
    await cluster.sdk().trigger('excl', 'marker', {});
    await marker;
    assert.deepEqual(seenByA, [], 'the excluded socket must not receive the event');
  });

  it('carries client events from one gateway to the other, not back to the sender', async () => {
    const [a, b] = [await client(0), await client(1)];
    const [channelA, channelB] = [await subscribed(a, 'private-chat'), await subscribed(b, 'private-chat')];
    const echoed = collect(channelA, 'client-typing');
    const gotB = nextEvent(channelB, 'client-typing');
    assert.equal(channelA.trigger('client-typing', { who: 'a' }), true);
    assert.deepEqual(await gotB, { who: 'a' });
    const marker = nextEvent(channelA, 'marker');
    await cluster.sdk().trigger('private-chat', 'marker', {});
    await marker;
    assert.deepEqual(echoed, []);
  });

  it('shows presence members across gateways and counts a user on both gateways once', async () => {
    const alice = await client(0, 'alice');
    const roomA = await subscribedPresence(alice, 'presence-lobby');
    const added: string[] = [];
    roomA.bind('pusher:member_added', (m: { id: string }) => added.push(m.id));

    const bob = await client(1, 'bob');
    const roomB = await subscribedPresence(bob, 'presence-lobby');
    assert.equal(roomB.members.count, 2, 'bob, on gateway 2, sees alice from gateway 1');
    assert.ok(roomB.members.get('alice'));
    await waitFor(() => added.includes('bob'), 'alice to see bob join');

    // Bob again, on the other gateway: one user, no second member_added.
    const bobAgain = await client(0, 'bob');
    const roomB2 = await subscribedPresence(bobAgain, 'presence-lobby');
    assert.equal(roomB2.members.count, 2);

    const sdk = cluster.sdk();
    const users = await (await sdk.get({ path: '/channels/presence-lobby/users' })).json();
    assert.deepEqual((users as { users: Array<{ id: string }> }).users.map((u) => u.id).sort(), ['alice', 'bob']);
    const info = await (await sdk.get({ path: '/channels/presence-lobby', params: { info: 'user_count,subscription_count' } })).json();
    assert.deepEqual(info, { occupied: true, user_count: 2, subscription_count: 3 });

    // Bob leaves one gateway: still present. Leaves the other: member_removed.
    const removed: string[] = [];
    roomA.bind('pusher:member_removed', (m: { id: string }) => removed.push(m.id));
    bob.disconnect();
    await waitFor(async () => {
      const r = (await (await sdk.get({ path: '/channels/presence-lobby', params: { info: 'subscription_count' } })).json()) as { subscription_count: number };
      return r.subscription_count === 2;
    }, "bob's first socket to leave");
    assert.equal(removed.length, 0, 'bob still has a socket on gateway 1');
    bobAgain.disconnect();
    await waitFor(() => removed.includes('bob'), 'member_removed for bob after his last socket left');
    assert.deepEqual(
      added.filter((id) => id === 'bob'),
      ['bob'],
      'member_added for bob exactly once',
    );
  });
});
