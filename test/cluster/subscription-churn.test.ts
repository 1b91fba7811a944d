/**
 * Subscription churn across two gateways while events flow: many raw sockets subscribe and
 * unsubscribe the same few channels over and over (a single-page app switching views), then
 * subscribe once more. Every socket must then receive every event published after its last
 * `pusher_internal:subscription_succeeded`, and each gateway's NATS interest (`/connz?subs=1`)
 * must match its local subscribers: a subject for each channel it still serves, none other.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type Pusher from 'pusher';
import { subjects } from '../../services/core/src/bus/subjects';
import { type NatsServer, startNatsServer } from '../helpers/nats';
import { type Frame, type RawClient, rawClient } from '../helpers/raw-client';
import { waitFor } from '../helpers/wait';
import { TestCluster } from './cluster-fixture';

interface Connz {
  connections: Array<{ name?: string; subscriptions_list?: string[] }>;
}

const SOCKETS = 24;
const CYCLES = 50;
const CHANNELS = ['churn-news', 'churn-scores', 'presence-churn-room'];
/** Events each socket must get after its last subscription_succeeded before the check ends. */
const REQUIRED_AFTER_SUBSCRIBE = 5;

/** A small seeded generator, so a failing interleaving can be run again. */
function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

interface Published {
  readonly seq: number;
  /** When the trigger was sent (after any subscription_succeeded seen before this moment). */
  readonly sentAt: number;
}

class Churner {
  /** When each subscription_succeeded of the final channel arrived, in order. */
  readonly succeededAt: number[] = [];
  /** What GET /channels/:name answered right after each of them. */
  readonly occupiedAfterSucceeded: Array<Promise<boolean>> = [];
  finalChannel = '';

  constructor(
    readonly client: RawClient,
    private readonly sdk: Pusher,
    private readonly userId: string,
  ) {
    client.socket.on('message', () => {
      const frame = client.frames[client.frames.length - 1];
      if (frame.event !== 'pusher_internal:subscription_succeeded' || frame.channel !== this.finalChannel) return;
      this.succeededAt.push(Date.now());
      // Read-your-writes: asked at once, the HTTP API must already count this subscription.
      this.occupiedAfterSucceeded.push(this.sdk.get({ path: `/channels/${this.finalChannel}` }).then(async (r) => ((await r.json()) as { occupied: boolean }).occupied));
    });
  }

  subscribeFrame(channel: string): Frame {
    if (!channel.startsWith('presence-')) return { event: 'pusher:subscribe', data: { channel } };
    return { event: 'pusher:subscribe', data: { channel, ...this.sdk.authorizeChannel(this.client.socketId, channel, { user_id: this.userId, user_info: {} }) } };
  }

  /** Sequence numbers of the churn events received on `channel`. */
  received(channel: string): Set<number> {
    const seqs = new Set<number>();
    for (const f of this.client.frames) {
      if (f.event === 'churn-event' && f.channel === channel) seqs.add((JSON.parse(f.data as string) as { seq: number }).seq);
    }
    return seqs;
  }
}

describe('cluster: subscription churn across two gateways', () => {
  let nats: NatsServer;
  let cluster: TestCluster;
  const clients: RawClient[] = [];

  before(async () => {
    nats = await startNatsServer();
    cluster = await TestCluster.start({ natsUrls: [nats.url], gateways: 2, presence: 2 });
  });
  after(async () => {
    for (const c of clients) c.close();
    await cluster?.stop();
    await nats?.stop();
  });

  it('serves every socket subscribed at the end with every event published after its subscription_succeeded', async () => {
    const sdk = cluster.sdk();
    const random = seededRandom(20261201);
    const churners: Churner[] = [];
    for (let i = 0; i < SOCKETS; i++) {
      const client = await rawClient(cluster.gateways[i % 2].port, cluster.app.key);
      clients.push(client);
      churners.push(new Churner(client, sdk, `user-${i}`));
    }
    churners.forEach((c, i) => {
      c.finalChannel = CHANNELS[i % CHANNELS.length];
    });

    // Events flow on every channel the whole time, each with its own sequence number.
    const published: Published[] = [];
    let publishing = true;
    let seq = 0;
    const publisher = (async () => {
      while (publishing) {
        const next = { seq: ++seq, sentAt: Date.now() };
        await sdk.trigger(CHANNELS, 'churn-event', { seq: next.seq });
        published.push(next);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();

    const pause = async () => {
      const r = random();
      if (r < 0.5) return; // a burst: the frames leave together
      if (r < 0.8) await new Promise((resolve) => setImmediate(resolve));
      else await new Promise((resolve) => setTimeout(resolve, 1));
    };
    await Promise.all(
      churners.map(async (churner) => {
        for (let cycle = 0; cycle < CYCLES; cycle++) {
          const channel = cycle % 5 === 4 ? CHANNELS[Math.floor(random() * CHANNELS.length)] : churner.finalChannel;
          churner.client.send(churner.subscribeFrame(channel));
          await pause();
          churner.client.send({ event: 'pusher:unsubscribe', data: { channel } });
          await pause();
        }
        churner.client.send(churner.subscribeFrame(churner.finalChannel));
      }),
    );

    // Keep publishing until every socket has been sent enough events after its last
    // subscription_succeeded (a socket that is never served shows up below, not as a timeout).
    try {
      await waitFor(
        () =>
          churners.every((c) => {
            const last = c.succeededAt.at(-1);
            return last !== undefined && published.filter((p) => p.sentAt > last).length >= REQUIRED_AFTER_SUBSCRIBE;
          }),
        'every socket to be confirmed and sent events after it',
        20_000,
      );
    } finally {
      publishing = false;
      await publisher;
    }

    // Deliveries of the last events may still be on their way: wait for them, bounded.
    const missing = () =>
      churners.map((c) => {
        const last = c.succeededAt.at(-1) ?? Number.POSITIVE_INFINITY;
        const got = c.received(c.finalChannel);
        return published.filter((p) => p.sentAt > last && !got.has(p.seq)).length;
      });
    await waitFor(() => missing().every((n) => n === 0), 'every event to arrive', 3000).catch(() => undefined);
    const lost = missing();
    const starved = lost.filter((n, i) => n > 0 && n === published.filter((p) => p.sentAt > (churners[i].succeededAt.at(-1) ?? 0)).length);
    assert.deepEqual(
      lost.filter((n) => n > 0),
      [],
      `${lost.filter((n) => n > 0).length} of ${SOCKETS} sockets missed events published after their subscription_succeeded ` +
        `(${lost.reduce((a, b) => a + b, 0)} events missed in all; ${starved.length} sockets got none of them)`,
    );

    // Earlier confirmations may have been followed by the socket's own unsubscribe; the last
    // one was not, so the channel query sent right after it must have counted the socket.
    const occupied = await Promise.all(churners.map((c) => c.occupiedAfterSucceeded.at(-1)));
    assert.equal(occupied.filter((o) => o !== true).length, 0, 'GET /channels/:name right after the last subscription_succeeded reports the channel occupied');

    // And the gateways' NATS interest matches who is subscribed where.
    const connz = await nats.monitor<Connz>('/connz?subs=1');
    const gateways = connz.connections.filter((c) => c.name?.includes('-gateway-'));
    assert.equal(gateways.length, 2);
    const expected = CHANNELS.map((channel) => subjects.channel(cluster.app.id, channel)).sort();
    for (const gateway of gateways) {
      const channelSubjects = (gateway.subscriptions_list ?? []).filter((s) => s.includes('.ch.')).sort();
      assert.deepEqual(channelSubjects, expected, `${gateway.name} is subscribed to exactly the channels its sockets hold`);
    }
  });
});
