/**
 * Cache channels (`cache-`, `private-cache-`, `presence-cache-`, `private-encrypted-cache-`)
 * with pusher-js as the subscriber and the `pusher` SDK as the publisher: pusher:cache_miss
 * when nothing is cached, the last event replayed right after subscription_succeeded, only
 * the last one kept, expiry after the app's TTL, and no cache_miss on any other channel.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type Pusher from 'pusher';
import type PusherJs from 'pusher-js';
import type { Channel } from 'pusher-js';
import { OpenClients } from '../helpers/open-clients';
import { connectedClient, nextEvent, serverSdk, subscribed } from '../helpers/pusher-clients';
import { type RawClient, rawClient } from '../helpers/raw-client';
import { startTestHerald, type TestApp, type TestHerald } from '../helpers/test-herald';
import { waitFor, within } from '../helpers/wait';

const APP: TestApp = { id: 'cache-app', key: 'cache-key', secret: 'cache-secret' };
const OTHER: TestApp = { id: 'cache-other', key: 'cache-other-key', secret: 'cache-other-secret' };
const SHORT: TestApp = { id: 'cache-short', key: 'cache-short-key', secret: 'cache-short-secret', limits: { cacheTtlSeconds: 1 } };
const MASTER_KEY = randomBytes(32).toString('base64');
const PREFIXES = ['cache-', 'private-cache-', 'presence-cache-', 'private-encrypted-cache-'] as const;

const unique = (prefix: string) => `${prefix}${randomBytes(4).toString('hex')}`;

interface Seen {
  readonly event: string;
  readonly data: unknown;
}

describe('cache channels', () => {
  let herald: TestHerald;
  const open = new OpenClients();
  before(async () => {
    herald = await startTestHerald({ apps: [APP, OTHER, SHORT] });
  });
  after(async () => {
    open.closeAll();
    await herald.stop();
  });

  /** The pusher SDK, able to encrypt for private-encrypted- channels. */
  const sdk = (app: TestApp = APP): Pusher => serverSdk(herald, app, { encryptionMasterKeyBase64: MASTER_KEY });

  async function client(app: TestApp = APP): Promise<PusherJs> {
    const c = await connectedClient(herald, app, { user: { id: `u-${randomBytes(3).toString('hex')}` }, signer: sdk(app) });
    open.pusher(c);
    return c;
  }

  async function raw(app: TestApp = APP): Promise<RawClient> {
    const r = await rawClient(herald.port, app.key);
    open.raw(r);
    return r;
  }

  /**
   * A new pusher-js subscriber: every event its channel emits, in order, from
   * pusher:subscription_succeeded on (pusher-js decrypts encrypted channels' events).
   */
  async function newSubscriber(channelName: string, app: TestApp = APP): Promise<{ channel: Channel; seen: Seen[] }> {
    const c = await client(app);
    const channel = c.subscribe(channelName);
    const seen: Seen[] = [];
    channel.bind_global((event: string, data: unknown) => {
      if (event !== 'pusher:subscription_count') seen.push({ event, data });
    });
    await within(
      new Promise<void>((resolve, reject) => {
        channel.bind('pusher:subscription_succeeded', () => resolve());
        channel.bind('pusher:subscription_error', (e: unknown) => reject(new Error(`subscription to ${channelName} failed: ${JSON.stringify(e)}`)));
      }),
      `subscription to ${channelName}`,
    );
    return { channel, seen };
  }

  /** Triggers a marker event and waits for it: whatever the subscriber was sent before has arrived. */
  async function afterMarker(subscriber: { channel: Channel; seen: Seen[] }, app: TestApp = APP): Promise<Seen[]> {
    const marker = nextEvent(subscriber.channel, 'marker');
    await sdk(app).trigger(subscriber.channel.name, 'marker', { marker: true });
    await marker;
    return subscriber.seen.filter((s) => s.event !== 'marker');
  }

  for (const prefix of PREFIXES) {
    it(`${prefix}: cache_miss while nothing is cached, then the last triggered event right after subscription_succeeded`, async () => {
      const name = unique(prefix);
      const first = await newSubscriber(name);
      await waitFor(() => first.seen.some((s) => s.event === 'pusher:cache_miss'), 'pusher:cache_miss');
      assert.deepEqual(
        first.seen.map((s) => s.event),
        ['pusher:subscription_succeeded', 'pusher:cache_miss'],
      );

      // The existing subscriber gets the event like any other.
      const live = nextEvent(first.channel, 'price');
      await sdk().trigger(name, 'price', { eur: 42 });
      assert.deepEqual(await live, { eur: 42 });

      const second = await newSubscriber(name);
      assert.deepEqual(await afterMarker(second), [
        { event: 'pusher:subscription_succeeded', data: prefix === 'presence-cache-' ? second.seen[0].data : {} },
        { event: 'price', data: { eur: 42 } },
      ]);
      // The first subscriber was not sent the cached event again.
      assert.deepEqual(first.seen.filter((s) => s.event === 'price').length, 1);
    });
  }

  it('keeps only the last event: a new subscriber gets the third of three, nothing else', async () => {
    const name = unique('cache-last-');
    for (const n of [1, 2, 3]) await sdk().trigger(name, `step-${n}`, { n });
    const subscriber = await newSubscriber(name);
    assert.deepEqual(await afterMarker(subscriber), [
      { event: 'pusher:subscription_succeeded', data: {} },
      { event: 'step-3', data: { n: 3 } },
    ]);
  });

  it('keeps the last event of a batch_events call that names the channel twice', async () => {
    const name = unique('cache-batch-');
    await sdk().triggerBatch([
      { channel: name, name: 'first', data: '1' },
      { channel: unique('cache-elsewhere-'), name: 'other', data: 'x' },
      { channel: name, name: 'second', data: '2' },
    ]);
    const subscriber = await newSubscriber(name);
    assert.deepEqual(await afterMarker(subscriber), [
      { event: 'pusher:subscription_succeeded', data: {} },
      { event: 'second', data: 2 },
    ]);
  });

  it('sends the cached event on the wire as the SDK triggered it, right after subscription_succeeded; a miss as {event, channel}', async () => {
    const name = unique('cache-wire-');
    const r = await raw();
    const from = r.frames.length;
    assert.equal((await r.subscribe(name)).event, 'pusher_internal:subscription_succeeded');
    const miss = await r.next((f) => f.event === 'pusher:cache_miss', 'cache_miss', 5000, from);
    assert.deepEqual(miss, { event: 'pusher:cache_miss', channel: name });

    await sdk().trigger(name, 'snapshot', 'plain text, not JSON');
    const r2 = await raw();
    const start = r2.frames.length;
    await r2.subscribe(name);
    await r2.next((f) => f.event === 'snapshot', 'the cached event', 5000, start);
    assert.deepEqual(r2.frames.slice(start, start + 2), [
      { event: 'pusher_internal:subscription_succeeded', channel: name, data: '{}' },
      { event: 'snapshot', channel: name, data: 'plain text, not JSON' },
    ]);
  });

  it('caches client events on private-cache- channels too', async () => {
    const name = unique('private-cache-client-');
    const sender = await client();
    const channel = await subscribed(sender, name);
    channel.trigger('client-cursor', { x: 3, y: 4 });
    // A later subscriber gets it once the gateway has stored it.
    const replayed = await waitFor(async () => {
      const subscriber = await newSubscriber(name);
      const seen = await afterMarker(subscriber);
      return seen.some((s) => s.event === 'client-cursor') ? seen : undefined;
    }, 'the client event replayed to a new subscriber');
    assert.deepEqual(replayed, [
      { event: 'pusher:subscription_succeeded', data: {} },
      { event: 'client-cursor', data: { x: 3, y: 4 } },
    ]);
  });

  it("keeps each app's cache apart: the same channel name in another app is a miss", async () => {
    const name = unique('cache-shared-name-');
    await sdk(APP).trigger(name, 'mine', { app: APP.id });
    const inOther = await newSubscriber(name, OTHER);
    assert.deepEqual(
      (await afterMarker(inOther, OTHER)).map((s) => s.event),
      ['pusher:subscription_succeeded', 'pusher:cache_miss'],
    );
    const inApp = await newSubscriber(name, APP);
    assert.deepEqual(
      (await afterMarker(inApp, APP)).map((s) => s.event),
      ['pusher:subscription_succeeded', 'mine'],
    );
  });

  it("forgets the cached event after the app's TTL (cacheTtlSeconds: 1): cache_miss again", async () => {
    const name = unique('cache-ttl-');
    const triggeredAt = Date.now();
    await sdk(SHORT).trigger(name, 'fleeting', { v: 1 });
    /** What a new raw subscriber is sent right after subscription_succeeded. */
    const replayedTo = async (): Promise<string> => {
      const r = await raw(SHORT);
      const from = r.frames.length;
      await r.subscribe(name);
      const answer = await r.next((f) => f.channel === name && f.event !== 'pusher_internal:subscription_succeeded', 'the cached event or a miss', 5000, from);
      r.close();
      return answer.event;
    };
    assert.equal(await replayedTo(), 'fleeting', 'cached at first');

    const missedAt = await waitFor(async () => ((await replayedTo()) === 'pusher:cache_miss' ? Date.now() : undefined), 'the cached event to expire', 5000, 100);
    assert.ok(missedAt - triggeredAt >= 990, `expired after ${missedAt - triggeredAt} ms, not before the 1 s TTL`);
    const late = await newSubscriber(name, SHORT);
    assert.deepEqual(
      (await afterMarker(late, SHORT)).map((s) => s.event),
      ['pusher:subscription_succeeded', 'pusher:cache_miss'],
    );

    // A new event is cached again.
    await sdk(SHORT).trigger(name, 'again', { v: 2 });
    const afterNew = await newSubscriber(name, SHORT);
    assert.deepEqual(await afterMarker(afterNew, SHORT), [
      { event: 'pusher:subscription_succeeded', data: {} },
      { event: 'again', data: { v: 2 } },
    ]);
  });

  it('never sends cache_miss on channels that are not cache channels, and does not replay their events', async () => {
    const names = [unique('public-'), unique('private-'), unique('presence-'), unique('private-encrypted-'), unique('cacheless-')];
    for (const name of names) await sdk().trigger(name, 'before', { name });
    for (const name of names) {
      const subscriber = await newSubscriber(name);
      assert.deepEqual(
        (await afterMarker(subscriber)).map((s) => s.event),
        ['pusher:subscription_succeeded'],
        name,
      );
    }
    // On the wire too.
    const r = await raw();
    for (const name of ['plain-channel', 'cache', 'my-cache-channel']) await r.subscribe(name);
    const from = r.frames.length;
    await sdk().trigger('plain-channel', 'marker', {});
    await r.next((f) => f.event === 'marker', 'the marker', 5000, from);
    assert.deepEqual(
      r.frames.filter((f) => f.event === 'pusher:cache_miss'),
      [],
    );
  });
});
