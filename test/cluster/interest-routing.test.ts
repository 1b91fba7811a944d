/**
 * Interest-based routing: a gateway subscribes to a channel's subject only while it has a
 * local subscriber, checked with the NATS server's own subscription list (/connz?subs=1).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type PusherJs from 'pusher-js';
import { type NatsServer, startNatsServer } from '../helpers/nats';
import { connectedClient, subscribed } from '../helpers/pusher-clients';
import { waitFor } from '../helpers/wait';
import { TestCluster } from './cluster-fixture';

interface Connz {
  connections: Array<{ name?: string; subscriptions_list?: string[] }>;
}

describe('cluster: interest-based routing', () => {
  let nats: NatsServer;
  let cluster: TestCluster;
  let client: PusherJs;

  before(async () => {
    nats = await startNatsServer();
    cluster = await TestCluster.start({ natsUrls: [nats.url], gateways: 2, presence: 1 });
  });
  after(async () => {
    client?.disconnect();
    await cluster?.stop();
    await nats?.stop();
  });

  /** Channel subjects each gateway connection is subscribed to, keyed by the gateway's node name. */
  const channelSubjects = async () => {
    const connz = await nats.monitor<Connz>('/connz?subs=1');
    const gateways = connz.connections.filter((c) => c.name?.includes('-gateway-'));
    assert.equal(gateways.length, 2, 'both gateways are connected');
    return gateways.map((g) => (g.subscriptions_list ?? []).filter((s) => s.startsWith('herald.ch.')));
  };

  it('subscribes only the gateway that has a subscriber, and unsubscribes after the last one leaves', async () => {
    assert.deepEqual(await channelSubjects(), [[], []], 'no channel interest before anyone subscribes');
    client = await connectedClient({ port: cluster.gateways[0].port }, cluster.app);
    await subscribed(client, 'private-App.Models.User.5');
    const subjects = await channelSubjects();
    const withInterest = subjects.filter((s) => s.length > 0);
    assert.equal(withInterest.length, 1, 'exactly one gateway holds interest');
    assert.deepEqual(withInterest[0], [`herald.ch.${cluster.app.id}.private-App%2EModels%2EUser%2E5`]);

    client.unsubscribe('private-App.Models.User.5');
    await waitFor(async () => (await channelSubjects()).every((s) => s.length === 0), 'interest to be dropped');
  });
});
