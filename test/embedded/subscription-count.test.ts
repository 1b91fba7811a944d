/**
 * Subscription counting (`subscriptionCountEvents: true`): subscribers of public and private
 * channels get `pusher_internal:subscription_count`, which pusher-js emits as
 * `pusher:subscription_count` with `{subscription_count: n}`, as subscribers come and go
 * (encrypted channels too: the count is Pusher's own event, never encrypted).
 * Counts are throttled per channel (once a second), so the tests assert what they converge
 * to, moving Herald's clock a throttle interval at a time while they wait. Presence channels,
 * and apps without the switch, never get them.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type PusherJs from 'pusher-js';
import type { Channel } from 'pusher-js';
import { ManualClock } from '../../services/core/src/manual-clock';
import { collect, connectedClient, nextEvent, serverSdk, subscribed } from '../helpers/pusher-clients';
import { type RawClient, rawClient } from '../helpers/raw-client';
import { startTestHerald, type TestApp, type TestHerald } from '../helpers/test-herald';
import { waitAdvancing } from '../helpers/wait';

const COUNTED: TestApp = { id: 'count-app', key: 'count-key', secret: 'count-secret', subscriptionCountEvents: true };
const PLAIN: TestApp = { id: 'count-plain', key: 'count-plain-key', secret: 'count-plain-secret' };

interface CountEvent {
  subscription_count: number;
}

/** Presence's default throttle interval. */
const COUNT_INTERVAL_MS = 1000;
const MASTER_KEY = randomBytes(32).toString('base64');
const unique = (prefix: string) => `${prefix}${randomBytes(4).toString('hex')}`;

describe('subscription_count events', () => {
  let herald: TestHerald;
  const clients: PusherJs[] = [];
  const raws: RawClient[] = [];
  const clock = new ManualClock(Date.now());
  before(async () => {
    herald = await startTestHerald({ apps: [COUNTED, PLAIN], clock });
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    for (const r of raws) r.close();
    await herald.stop();
  });

  async function client(app: TestApp = COUNTED, userId = `u-${randomBytes(3).toString('hex')}`): Promise<PusherJs> {
    const c = await connectedClient(herald, app, { user: { id: userId }, signer: serverSdk(herald, app, { encryptionMasterKeyBase64: MASTER_KEY }) });
    clients.push(c);
    return c;
  }

  /** Waits until each subscriber's last count is `expected`; pusher-js's channel.subscriptionCount agrees. */
  async function converge(subscribers: ReadonlyArray<{ channel: Channel }>, seen: ReadonlyArray<CountEvent[]>, expected: number, what: string): Promise<void> {
    await waitAdvancing(clock, COUNT_INTERVAL_MS, () => seen.every((events) => events.at(-1)?.subscription_count === expected), `${what}: every subscriber told ${expected}`, 5000);
    for (const s of subscribers) {
      assert.equal((s.channel as Channel & { subscriptionCount: number | null }).subscriptionCount, expected, 'pusher-js keeps the count on the channel');
    }
  }

  for (const prefix of ['counted-', 'private-counted-', 'private-encrypted-counted-']) {
    it(`tells ${prefix} subscribers the count as subscribers join and leave`, async () => {
      const name = unique(prefix);
      const [a, b, c] = [await client(), await client(), await client()];
      const subs: Array<{ channel: Channel }> = [];
      const seen: CountEvent[][] = [];
      for (const x of [a, b, c]) {
        const channel = x.subscribe(name);
        seen.push(collect<CountEvent>(channel, 'pusher:subscription_count'));
        await subscribed(x, name);
        subs.push({ channel });
      }
      await converge(subs, seen, 3, 'three subscribers');
      for (const events of seen) {
        for (const e of events) {
          assert.deepEqual(Object.keys(e), ['subscription_count']);
          assert.ok(Number.isInteger(e.subscription_count) && e.subscription_count >= 1 && e.subscription_count <= 3, JSON.stringify(e));
        }
      }

      c.unsubscribe(name);
      await converge(subs.slice(0, 2), seen.slice(0, 2), 2, 'one unsubscribed');
      b.disconnect();
      await converge(subs.slice(0, 1), seen.slice(0, 1), 1, 'one disconnected');
      // The count matches the HTTP API's.
      const response = await serverSdk(herald, COUNTED).get({ path: `/channels/${name}`, params: { info: 'subscription_count' } });
      assert.deepEqual(await response.json(), { occupied: true, subscription_count: 1 });
    });
  }

  it('throttles: eleven subscribers joining at once are told fewer than eleven counts, ending on 11', async () => {
    const name = unique('burst-');
    const first = await client();
    const firstChannel = first.subscribe(name);
    const seen = collect<CountEvent>(firstChannel, 'pusher:subscription_count');
    await subscribed(first, name);
    const others = await Promise.all(Array.from({ length: 10 }, () => client()));
    await Promise.all(others.map((o) => subscribed(o, name)));
    await converge([{ channel: firstChannel }], [seen], 11, 'eleven subscribers');
    assert.ok(seen.length < 11, `counts were throttled: ${seen.map((e) => e.subscription_count).join(', ')}`);
  });

  it('sends the count on the wire as pusher_internal:subscription_count with data as a JSON string', async () => {
    const name = unique('wire-count-');
    const r = await rawClient(herald.port, COUNTED.key);
    raws.push(r);
    const from = r.frames.length;
    await r.subscribe(name);
    const frame = await r.next((f) => f.event === 'pusher_internal:subscription_count', 'subscription_count', 5000, from);
    assert.deepEqual(frame, { event: 'pusher_internal:subscription_count', channel: name, data: '{"subscription_count":1}' });
  });

  it('sends no subscription_count on presence channels', async () => {
    const presence = unique('presence-uncounted-');
    const control = unique('control-');
    const [a, b] = [await client(COUNTED, 'pa'), await client(COUNTED, 'pb')];
    const presenceSeen = [a, b].map((x) => collect<CountEvent>(x.subscribe(presence), 'pusher:subscription_count'));
    await subscribed(a, presence);
    await subscribed(b, presence);
    // The same changes on a public channel afterwards: once its counts are through, the presence channel's would be too.
    const controlSeen = [a, b].map((x) => collect<CountEvent>(x.subscribe(control), 'pusher:subscription_count'));
    await subscribed(a, control);
    await subscribed(b, control);
    await waitAdvancing(clock, COUNT_INTERVAL_MS, () => controlSeen.every((s) => s.at(-1)?.subscription_count === 2), 'the control channel counts 2');
    const marker = nextEvent(a.channel(presence), 'marker');
    await serverSdk(herald, COUNTED).trigger(presence, 'marker', {});
    await marker;
    assert.deepEqual(presenceSeen, [[], []]);
  });

  it('sends none to apps that do not enable subscription counting', async () => {
    const name = unique('same-name-');
    const [p1, p2] = [await client(PLAIN), await client(PLAIN)];
    const plainSeen = [p1, p2].map((x) => collect<CountEvent>(x.subscribe(name), 'pusher:subscription_count'));
    await subscribed(p1, name);
    await subscribed(p2, name);
    // The same channel name in the counting app, joined afterwards, is the control.
    const [c1, c2] = [await client(COUNTED), await client(COUNTED)];
    const countedSeen = [c1, c2].map((x) => collect<CountEvent>(x.subscribe(name), 'pusher:subscription_count'));
    await subscribed(c1, name);
    await subscribed(c2, name);
    await waitAdvancing(clock, COUNT_INTERVAL_MS, () => countedSeen.every((s) => s.at(-1)?.subscription_count === 2), "the counting app's channel counts 2, not 4");
    const marker = nextEvent(p1.channel(name), 'marker');
    await serverSdk(herald, PLAIN).trigger(name, 'marker', {});
    await marker;
    assert.deepEqual(plainSeen, [[], []]);
  });
});
