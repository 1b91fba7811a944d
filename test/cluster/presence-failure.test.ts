/**
 * Presence has no single point of failure: one replica can die without losing membership,
 * and when every replica restarts, who-is-online is rebuilt from the gateways.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type PusherJs from 'pusher-js';
import { type NatsServer, startNatsServer } from '../helpers/nats';
import { connectedClient, subscribedPresence } from '../helpers/pusher-clients';
import { waitFor } from '../helpers/wait';
import { TestCluster } from './cluster-fixture';

describe('cluster: presence replica failure', () => {
  let nats: NatsServer;
  let cluster: TestCluster;
  const clients: PusherJs[] = [];

  before(async () => {
    nats = await startNatsServer();
    cluster = await TestCluster.start({ natsUrls: [nats.url] });
    const alice = await connectedClient({ port: cluster.gateways[0].port }, cluster.app, { user: { id: 'alice' } });
    const bob = await connectedClient({ port: cluster.gateways[1].port }, cluster.app, { user: { id: 'bob' } });
    clients.push(alice, bob);
    await subscribedPresence(alice, 'presence-team');
    await subscribedPresence(bob, 'presence-team');
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    await cluster?.stop();
    await nats?.stop();
  });

  const users = async () => {
    const response = await cluster.sdk().get({ path: '/channels/presence-team/users' });
    assert.equal(response.status, 200);
    return ((await response.json()) as { users: Array<{ id: string }> }).users.map((u) => u.id).sort();
  };

  it('keeps membership and keeps answering when one replica is killed', async () => {
    assert.deepEqual(await users(), ['alice', 'bob']);
    await cluster.presence[0].kill('SIGKILL');
    const started = Date.now();
    // Queries go to the surviving replica; the first may wait out a request to the dead one.
    await waitFor(async () => (await users()).join() === 'alice,bob', 'users from the surviving replica', 3000);
    process.stdout.write(`# queries answered ${Date.now() - started} ms after killing a replica\n`);
    // A new member joins through the survivor and sees everyone.
    const carol = await connectedClient({ port: cluster.gateways[0].port }, cluster.app, { user: { id: 'carol' } });
    clients.push(carol);
    const room = await subscribedPresence(carol, 'presence-team');
    assert.equal(room.members.count, 3);
    assert.deepEqual(await users(), ['alice', 'bob', 'carol']);
  });

  it('rebuilds who-is-online from the gateways when every replica restarts', async () => {
    await Promise.all(cluster.presence.map((p) => p.kill('SIGKILL')));
    const restartedAt = Date.now();
    await cluster.startPresence();
    await cluster.startPresence();
    await waitFor(async () => (await users()).join() === 'alice,bob,carol', 'membership rebuilt after a full presence restart', 8000);
    process.stdout.write(`# who-is-online back ${Date.now() - restartedAt} ms after restarting all presence replicas\n`);
    // And presence works normally again: a new user joins and is seen.
    const dave = await connectedClient({ port: cluster.gateways[1].port }, cluster.app, { user: { id: 'dave' } });
    clients.push(dave);
    const room = await subscribedPresence(dave, 'presence-team');
    assert.deepEqual(Object.keys(room.members.members).sort(), ['alice', 'bob', 'carol', 'dave']);
  });
});
