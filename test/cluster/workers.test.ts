/**
 * `herald gateway --workers N`: N worker processes share the port; a worker that dies is
 * replaced, and its users leave presence when its lease expires.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import type PusherJs from 'pusher-js';
import { type NatsServer, startNatsServer } from '../helpers/nats';
import { connectedClient, nextEvent, subscribed, subscribedPresence } from '../helpers/pusher-clients';
import { waitFor } from '../helpers/wait';
import { TestCluster } from './cluster-fixture';

function childPids(pid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

describe('cluster: gateway workers', () => {
  let nats: NatsServer;
  let cluster: TestCluster;
  const clients: PusherJs[] = [];

  before(async () => {
    nats = await startNatsServer();
    cluster = await TestCluster.start({ natsUrls: [nats.url], gateways: 0, presence: 1 });
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    await cluster?.stop();
    await nats?.stop();
  });

  it('replaces a dead worker and cleans up its presence members', async () => {
    const gateway = await cluster.startGateway({ env: { HERALD_GATEWAY_WORKERS: '2' } });
    await waitFor(() => childPids(gateway.pid).length === 2, 'two workers');
    const [doomed] = childPids(gateway.pid);

    // Connections are spread over workers; connect until one lands on each, by socket id prefix.
    const byPrefix = new Map<string, PusherJs>();
    await waitFor(async () => {
      const c = await connectedClient({ port: gateway.port }, cluster.app, { user: { id: `user-${byPrefix.size}-${clients.length}` } });
      clients.push(c);
      const prefix = c.connection.socket_id.split('.')[0];
      if (!byPrefix.has(prefix)) byPrefix.set(prefix, c);
      return byPrefix.size === 2;
    }, 'a client on each worker');
    const [first, second] = [...byPrefix.values()];
    const roomFirst = await subscribedPresence(first, 'presence-workers');
    await subscribedPresence(second, 'presence-workers');
    await waitFor(() => roomFirst.members.count === 2, 'both users present');

    const socketsBefore = new Map([first, second].map((c) => [c, c.connection.socket_id]));
    process.kill(doomed, 'SIGKILL');
    await waitFor(() => {
      const pids = childPids(gateway.pid);
      return pids.length === 2 && !pids.includes(doomed);
    }, 'the dead worker to be replaced');

    // pusher-js reconnects the client that lived on the dead worker (to a live worker) and
    // re-subscribes: a new socket. The dead worker's old socket must leave by lease expiry,
    // so the channel settles at exactly two subscriptions, not three.
    const victim = await waitFor(
      () => [first, second].find((c) => c.connection.state === 'connected' && c.connection.socket_id !== socketsBefore.get(c)),
      'the client of the dead worker to reconnect',
      10_000,
    );
    await waitFor(() => victim.channel('presence-workers')?.subscribed, 'the reconnected client to re-subscribe');
    await waitFor(
      async () => {
        const response = await cluster.sdk().get({ path: '/channels/presence-workers', params: { info: 'user_count,subscription_count' } });
        const info = (await response.json()) as { user_count: number; subscription_count: number };
        return info.subscription_count === 2 && info.user_count === 2;
      },
      "the dead worker's socket to leave presence",
      10_000,
    );

    // The gateway still serves: a fresh client gets events.
    const fresh = await connectedClient({ port: gateway.port }, cluster.app);
    clients.push(fresh);
    const channel = await subscribed(fresh, 'after-restart');
    const got = nextEvent(channel, 'ping');
    await cluster.sdk().trigger('after-restart', 'ping', { ok: true });
    assert.deepEqual(await got, { ok: true });
  });
});
