/**
 * Webhooks in cluster mode: two presence replicas emit every membership webhook (the
 * JetStream queue keeps one copy per event id), a `herald webhooks` process delivers them —
 * occupied/vacated and member_added/member_removed once per channel and user however many
 * gateways hold its sockets, departures after the 3 s hold — retries a refusing receiver,
 * and loses nothing when it is killed mid-delivery: unacknowledged events come back after
 * the JetStream ack wait, with the ids they had.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type PusherJs from 'pusher-js';
import { type NatsServer, startNatsServer } from '../helpers/nats';
import { connectedClient, subscribed } from '../helpers/pusher-clients';
import type { TestApp } from '../helpers/test-herald';
import { waitFor } from '../helpers/wait';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver';
import { TestCluster } from './cluster-fixture';

type WebhookEvent = Record<string, unknown>;

const APP: TestApp = { id: 'cwh-app', key: 'cwh-key', secret: 'cwh-secret' };
const RETRY_APP: TestApp = { id: 'cwh-retry', key: 'cwh-retry-key', secret: 'cwh-retry-secret' };
const DURABLE_APP: TestApp = { id: 'cwh-durable', key: 'cwh-durable-key', secret: 'cwh-durable-secret' };
/** An event handed to a webhooks process that died comes back after this long. */
const ACK_WAIT_MS = 3000;
const TIMEOUT_MS = 2500;
/** The durable test's receiver answers this late: the webhooks process is killed before it does. */
const SLOW_ANSWER_MS = 1500;

const unique = (prefix: string) => `${prefix}${randomBytes(4).toString('hex')}`;
const named = (events: readonly WebhookEvent[], name: string, channel: string) => events.filter((e) => e.name === name && e.channel === channel);

describe('cluster: webhooks', () => {
  let nats: NatsServer;
  let cluster: TestCluster;
  let receiver: WebhookReceiver;
  let retryReceiver: WebhookReceiver;
  let durableReceiver: WebhookReceiver;
  const clients: PusherJs[] = [];

  before(async () => {
    nats = await startNatsServer();
    receiver = await startWebhookReceiver(APP);
    retryReceiver = await startWebhookReceiver(RETRY_APP);
    durableReceiver = await startWebhookReceiver(DURABLE_APP);
    APP.webhooks = [{ url: receiver.url }];
    RETRY_APP.webhooks = [{ url: retryReceiver.url, events: ['channel_occupied'] }];
    DURABLE_APP.webhooks = [{ url: durableReceiver.url, events: ['channel_occupied'] }];
    cluster = await TestCluster.start({
      natsUrls: [nats.url],
      apps: [APP, RETRY_APP, DURABLE_APP],
      webhooks: 1,
      env: { HERALD_WEBHOOK_ACK_WAIT_MS: String(ACK_WAIT_MS), HERALD_WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS) },
    });
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    await cluster?.stop();
    await nats?.stop();
    for (const r of [receiver, retryReceiver, durableReceiver]) {
      if (!r) continue;
      assert.equal(r.invalid, 0, "every webhook passed the pusher SDK's signature check");
      await r.close();
    }
  });

  async function client(gateway: number, app: TestApp = APP, user?: string): Promise<PusherJs> {
    const c = await connectedClient({ port: cluster.gateways[gateway].port }, app, user ? { user: { id: user } } : {});
    clients.push(c);
    return c;
  }

  const channelInfo = async (channel: string, app: TestApp) =>
    (await (await cluster.sdk(app).get({ path: `/channels/${channel}`, params: { info: 'subscription_count' } })).json()) as {
      occupied: boolean;
      subscription_count?: number;
    };

  /** Resolves once the cluster (a presence replica, via the api) counts `count` subscriptions of `channel`. */
  const counted = (channel: string, count: number, what: string, app: TestApp = APP) =>
    waitFor(async () => {
      const info = await channelInfo(channel, app);
      return count === 0 ? !info.occupied : info.subscription_count === count;
    }, what);

  it('sends channel_occupied once for subscribers on two gateways, and channel_vacated once, about 3 s after the last of them leaves', async () => {
    const channel = unique('occupied-');
    const [a, b] = [await client(0), await client(1)];
    await subscribed(a, channel);
    await subscribed(b, channel);
    await receiver.waitForEvents((events) => named(events, 'channel_occupied', channel).length > 0, `channel_occupied for ${channel}`);

    a.unsubscribe(channel);
    await counted(channel, 1, 'the subscriber on gateway 1 to have left');
    b.unsubscribe(channel);
    const leftAt = Date.now();
    await counted(channel, 0, 'the channel to be empty cluster-wide');
    await receiver.waitForEvents((events) => named(events, 'channel_vacated', channel).length > 0, `channel_vacated for ${channel}`);
    const delivery = receiver.deliveries.find((d) => d.events.some((e) => e.name === 'channel_vacated' && e.channel === channel))!;
    const delay = delivery.receivedAt - leftAt;
    assert.ok(delay >= 2900 && delay < 6000, `channel_vacated arrived ${delay} ms after the last leave (held 3 s)`);

    const events = receiver.accepted().filter((e) => e.channel === channel);
    assert.deepEqual(
      events.map((e) => e.name),
      ['channel_occupied', 'channel_vacated'],
      'one occupied, one vacated',
    );
    for (const e of events) assert.deepEqual(Object.keys(e).sort(), ['channel', 'id', 'name']);
  });

  it("sends member_added once per user across gateways, and member_removed about 3 s after the user's last socket anywhere leaves", async () => {
    const channel = unique('presence-members-');
    const ann = await client(0, APP, 'ann');
    const [bob1, bob2] = [await client(0, APP, 'bob'), await client(1, APP, 'bob')];
    for (const c of [ann, bob1, bob2]) await subscribed(c, channel);
    await receiver.waitForEvents((events) => named(events, 'member_added', channel).length >= 2, 'member_added for ann and bob');

    // Bob leaving gateway 2 is not bob leaving: he is still on gateway 1.
    bob2.disconnect();
    await counted(channel, 2, "bob's gateway-2 socket to have left");
    bob1.disconnect();
    const leftAt = Date.now();
    await counted(channel, 1, "bob's gateway-1 socket to have left");
    await receiver.waitForEvents((events) => named(events, 'member_removed', channel).length > 0, 'member_removed for bob');
    const delivery = receiver.deliveries.find((d) => d.events.some((e) => e.name === 'member_removed' && e.channel === channel))!;
    const delay = delivery.receivedAt - leftAt;
    assert.ok(delay >= 2900 && delay < 6000, `member_removed arrived ${delay} ms after bob's last socket left (held 3 s)`);

    const members = (name: string) =>
      named(receiver.accepted(), name, channel)
        .map((e) => e.user_id)
        .sort();
    assert.deepEqual(members('member_added'), ['ann', 'bob'], 'one member_added per user, not per socket');
    assert.deepEqual(members('member_removed'), ['bob']);
    for (const e of named(receiver.accepted(), 'member_added', channel)) assert.deepEqual(Object.keys(e).sort(), ['channel', 'id', 'name', 'user_id']);
  });

  it('retries after a 500 from the receiver: the event arrives on the next attempt with the same id', async () => {
    retryReceiver.respondWith(500);
    const channel = unique('retried-');
    await subscribed(await client(1, RETRY_APP), channel);
    await retryReceiver.waitForEvents((events) => named(events, 'channel_occupied', channel).length > 0, 'the retried channel_occupied');
    const attempts = retryReceiver.deliveries.filter((d) => d.events.some((e) => e.channel === channel));
    assert.equal(attempts.length, 2, 'refused once, accepted on the retry');
    assert.deepEqual(attempts[1].events, attempts[0].events, 'the same events, ids included');
    assert.ok(attempts[1].receivedAt - attempts[0].receivedAt >= 900, 'the retry waited for the back-off (1 s)');
    assert.equal(named(retryReceiver.accepted(), 'channel_occupied', channel).length, 1);
  });

  it('loses nothing when herald webhooks is killed mid-delivery: every event arrives after the restart, each with one id', async () => {
    durableReceiver.setDelay(SLOW_ANSWER_MS);
    const prefix = unique('durable-');
    const early = Array.from({ length: 5 }, (_, i) => `${prefix}-early-${i}`);
    const late = Array.from({ length: 3 }, (_, i) => `${prefix}-late-${i}`);
    const c = await client(0, DURABLE_APP);
    await Promise.all(early.map((name) => subscribed(c, name)));

    // The receiver has a delivery and is still answering it: kill the webhooks process now.
    await waitFor(() => durableReceiver.deliveries.some((d) => d.events.some((e) => early.includes(e.channel as string))), 'a delivery under way');
    await cluster.webhooks[0].kill('SIGKILL');
    // What the receiver got before the kill; the dead process never learnt that it arrived.
    const cutOff = durableReceiver.deliveries.flatMap((d) => d.events).filter((e) => early.includes(e.channel as string));

    // Events that happen while no webhooks process runs wait in JetStream.
    await Promise.all(late.map((name) => subscribed(c, name)));
    for (const name of late) await counted(name, 1, `${name} to be occupied while no webhooks process runs`, DURABLE_APP);
    durableReceiver.setDelay(0);
    await cluster.startWebhooks();
    const restartedAt = Date.now();

    const all = [...early, ...late];
    const deliveredAfterRestart = () => durableReceiver.deliveries.filter((d) => d.receivedAt >= restartedAt).flatMap((d) => d.events);
    await waitFor(
      () => all.every((channel) => named(deliveredAfterRestart(), 'channel_occupied', channel).length > 0),
      'every channel_occupied delivered by the restarted process',
      ACK_WAIT_MS + 10_000,
    );
    // The cut-off delivery was never acknowledged, so it came again, with the same ids.
    const afterIds = new Set(deliveredAfterRestart().map((e) => e.id));
    for (const e of cutOff) assert.ok(afterIds.has(e.id), `${String(e.channel)} (id ${String(e.id)}) was delivered again`);
    // At least once, and a receiver can de-duplicate: every copy of a channel's event has one id.
    for (const channel of all) {
      const ids = new Set(named(durableReceiver.accepted(), 'channel_occupied', channel).map((e) => e.id));
      assert.equal(ids.size, 1, `${channel}: one id over all deliveries`);
    }
  });

  it('delivered each membership event once with a distinct id, although both presence replicas emit it', () => {
    const events = receiver.accepted();
    assert.ok(events.length >= 6);
    assert.equal(new Set(events.map((e) => e.id)).size, events.length, 'no event delivered twice');
  });
});
