/**
 * A gateway dies (SIGKILL) or drains (SIGTERM). Presence must move its users out: by lease
 * expiry after a crash, at once after a clean drain. Drained clients get 4200, paced.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type PusherJs from 'pusher-js';
import { type NatsServer, startNatsServer } from '../helpers/nats';
import { connectedClient, subscribedPresence } from '../helpers/pusher-clients';
import { rawClient } from '../helpers/raw-client';
import { waitFor } from '../helpers/wait';
import { TestCluster } from './cluster-fixture';

const LEASE_TTL_MS = 3000;

describe('cluster: gateway failure and drain', () => {
  let nats: NatsServer;
  let cluster: TestCluster;
  const clients: PusherJs[] = [];

  before(async () => {
    nats = await startNatsServer();
    cluster = await TestCluster.start({
      natsUrls: [nats.url],
      gateways: 1,
      env: { HERALD_LEASE_INTERVAL_MS: '500', HERALD_LEASE_TTL_MS: String(LEASE_TTL_MS), HERALD_DRAIN_RATE: '20' },
    });
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    await cluster?.stop();
    await nats?.stop();
  });

  const channelInfo = async (channel: string) =>
    (await (await cluster.sdk().get({ path: `/channels/${channel}`, params: { info: 'subscription_count,user_count' } })).json()) as {
      occupied: boolean;
      subscription_count: number;
      user_count: number;
    };

  it('SIGKILL: users of the dead gateway get member_removed within the lease TTL and occupancy drops', async () => {
    const doomed = await cluster.startGateway();
    const alice = await connectedClient({ port: cluster.gateways[0].port }, cluster.app, { user: { id: 'alice' } });
    const bob = await connectedClient({ port: doomed.port }, cluster.app, { user: { id: 'bob' } });
    clients.push(alice, bob);
    const room = await subscribedPresence(alice, 'presence-crash');
    await subscribedPresence(bob, 'presence-crash');
    await waitFor(async () => (await channelInfo('presence-crash')).subscription_count === 2, 'both subscriptions counted');

    const removed = new Promise<number>((resolve) => room.bind('pusher:member_removed', (m: { id: string }) => m.id === 'bob' && resolve(Date.now())));
    const killedAt = Date.now();
    await doomed.kill('SIGKILL');
    const removedAt = await removed;
    const elapsed = removedAt - killedAt;
    process.stdout.write(`# gateway SIGKILL -> member_removed after ${elapsed} ms (lease TTL ${LEASE_TTL_MS} ms)\n`);
    assert.ok(elapsed <= LEASE_TTL_MS + 1500, `member_removed took ${elapsed} ms`);
    // Each presence replica expires the lease on its own timer; whichever answers the query
    // must agree within a second of the first member_removed.
    const info = await waitFor(
      async () => {
        const current = await channelInfo('presence-crash');
        return current.subscription_count === 1 ? current : undefined;
      },
      'occupancy to drop on every presence replica',
      1000,
    );
    assert.deepEqual(info, { occupied: true, subscription_count: 1, user_count: 1 });
    assert.equal(room.members.count, 1);
  });

  it('SIGTERM: clients get 4200 at the configured pace, the lease is released at once, exit code 0', async () => {
    const draining = await cluster.startGateway();
    const watcher = await connectedClient({ port: cluster.gateways[0].port }, cluster.app, { user: { id: 'watcher' } });
    clients.push(watcher);
    const room = await subscribedPresence(watcher, 'presence-drain');

    const raws = await Promise.all(Array.from({ length: 30 }, () => rawClient(draining.port, cluster.app.key)));
    const leaver = await connectedClient({ port: draining.port }, cluster.app, { user: { id: 'leaver' }, extra: { activityTimeout: 60_000 } });
    await subscribedPresence(leaver, 'presence-drain');
    await waitFor(() => room.members.get('leaver'), 'watcher to see leaver');

    const removedAt = new Promise<number>((resolve) => room.bind('pusher:member_removed', (m: { id: string }) => m.id === 'leaver' && resolve(Date.now())));
    // Stop the client from reconnecting to the draining gateway: we only watch what it is told.
    leaver.connection.bind('disconnected', () => leaver.disconnect());
    const termAt = Date.now();
    await draining.kill('SIGTERM').then((exit) => assert.deepEqual(exit, { code: 0, signal: null }));
    const closes = await Promise.all(raws.map((r) => r.closed));
    for (const close of closes) assert.equal(close.code, 4200);
    for (const r of raws) assert.ok(r.frames.some((f) => f.event === 'pusher:error' && (f.data as { code: number }).code === 4200));
    const spread = Math.max(...closes.map((c) => c.at)) - Math.min(...closes.map((c) => c.at));
    process.stdout.write(`# drain of 31 sockets at 20/s spread over ${spread} ms\n`);
    assert.ok(spread >= 1000, `31 sockets at 20 per second should take over a second, took ${spread} ms`);
    const removedAfter = (await removedAt) - termAt;
    process.stdout.write(`# drain -> member_removed ${removedAfter} ms after SIGTERM\n`);
    assert.ok(removedAfter < spread + 1000, 'member_removed follows the drain, not a lease TTL');
    // Both presence replicas saw the lease released (no TTL wait for anything left over).
    const nodeId = /"node":"([^"]+)"/.exec(draining.logs())?.[1];
    assert.ok(nodeId, 'the gateway logs its node id');
    for (const replica of cluster.presence) {
      await waitFor(
        () =>
          replica
            .logs()
            .split('\n')
            .some((l) => l.includes('released its lease') && l.includes(nodeId)),
        `${replica.name} to see the release`,
      );
    }
  });
});
