/**
 * Several apps from one apps file, each with its own key, secret, switches and limits: events,
 * members, caches and client events never cross from one app to another, a disabled app is
 * refused, and each app's own limits apply to it alone — connections (4004), channels per
 * trigger (400), payload size (413), presence members, client events switched off, and HTTP
 * API requests per second (429). Pusher's default limits are covered in
 * http-api-errors.test.ts and client-event-limits.test.ts; these are the per-app overrides.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type Pusher from 'pusher';
import type PusherJs from 'pusher-js';
import type { Channel } from 'pusher-js';
import { collect, connectedClient, createClient, nextEvent, serverSdk, subscribed } from '../helpers/pusher-clients';
import { signedRequest } from '../helpers/signed-request';
import { startTestHerald, type TestApp, type TestHerald } from '../helpers/test-herald';
import { waitFor, within } from '../helpers/wait';

const ALPHA: TestApp = { id: 'alpha', key: 'alpha-key', secret: 'alpha-secret' };
const BETA: TestApp = { id: 'beta', key: 'beta-key', secret: 'beta-secret' };
const OFF: TestApp = { id: 'off', key: 'off-key', secret: 'off-secret', enabled: false };
const QUIET: TestApp = { id: 'quiet', key: 'quiet-key', secret: 'quiet-secret', clientEvents: false };
const TIGHT: TestApp = { id: 'tight', key: 'tight-key', secret: 'tight-secret', limits: { maxConnections: 2 } };
const SMALL: TestApp = {
  id: 'small',
  key: 'small-key',
  secret: 'small-secret',
  limits: { maxChannelsPerTrigger: 3, maxEventPayloadBytes: 100, maxPresenceMembers: 2 },
};
const RATED: TestApp = { id: 'rated', key: 'rated-key', secret: 'rated-secret', limits: { maxApiRequestsPerSecond: 5 } };
const RATED_TOO: TestApp = { id: 'rated-too', key: 'rated-too-key', secret: 'rated-too-secret', limits: { maxApiRequestsPerSecond: 5 } };

interface PusherErrorEvent {
  type: string;
  error?: { type: string; data: { code: number | null; message: string } };
  data?: { code: number | null; message: string };
}

interface RequestError {
  status: number;
  body: string;
}

const unique = (prefix: string) => `${prefix}${randomBytes(4).toString('hex')}`;

/** The SDK's trigger, resolving with the HTTP status and body whether it succeeds or not. */
async function statusOf(request: Promise<{ status: number; text(): Promise<string> }>): Promise<{ status: number; body: string }> {
  try {
    const response = await request;
    return { status: response.status, body: await response.text() };
  } catch (err) {
    const e = err as RequestError;
    if (typeof e.status !== 'number') throw err;
    return { status: e.status, body: e.body };
  }
}

describe('apps and their own limits', () => {
  let herald: TestHerald;
  const clients: PusherJs[] = [];
  before(async () => {
    herald = await startTestHerald({ apps: [ALPHA, BETA, OFF, QUIET, TIGHT, SMALL, RATED, RATED_TOO] });
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    await herald.stop();
  });

  const sdk = (app: TestApp): Pusher => serverSdk(herald, app);

  async function client(app: TestApp, userId?: string): Promise<PusherJs> {
    const c = await connectedClient(herald, app, userId ? { user: { id: userId } } : {});
    clients.push(c);
    return c;
  }

  /** Every non-pusher event the channel gets. */
  function everyEvent(channel: Channel): Array<{ event: string; data: unknown }> {
    const seen: Array<{ event: string; data: unknown }> = [];
    channel.bind_global((event: string, data: unknown) => {
      if (!event.startsWith('pusher:')) seen.push({ event, data });
    });
    return seen;
  }

  /** A server event on the channel, awaited: whatever was sent to it before has arrived. */
  async function marker(app: TestApp, channel: Channel): Promise<void> {
    const got = nextEvent(channel, 'marker');
    await sdk(app).trigger(channel.name, 'marker', {});
    await got;
  }

  /** Resolves with the first pusher:error (or refusal) pusher-js reports on its connection. */
  function nextConnectionError(c: PusherJs): Promise<PusherErrorEvent> {
    return within(new Promise<PusherErrorEvent>((resolve) => c.connection.bind('error', resolve)), 'an error on the pusher-js connection');
  }

  describe('isolation between apps', () => {
    it("delivers an event triggered in one app only to that app's subscribers of the same-named channel", async () => {
      const names = ['news', 'private-news', 'presence-news'];
      const [a, b] = [await client(ALPHA, 'same-user'), await client(BETA, 'same-user')];
      const alphaChannels = await Promise.all(names.map((n) => subscribed(a, n)));
      const betaChannels = await Promise.all(names.map((n) => subscribed(b, n)));
      const alphaSeen = alphaChannels.map(everyEvent);
      const betaSeen = betaChannels.map(everyEvent);

      await sdk(ALPHA).trigger(names, 'headline', { from: 'alpha' });
      for (const channel of betaChannels) await marker(BETA, channel);
      for (const channel of alphaChannels) await marker(ALPHA, channel);
      for (const seen of alphaSeen)
        assert.deepEqual(seen, [
          { event: 'headline', data: { from: 'alpha' } },
          { event: 'marker', data: {} },
        ]);
      for (const seen of betaSeen) assert.deepEqual(seen, [{ event: 'marker', data: {} }], 'nothing from alpha reached beta');
    });

    it('keeps presence members, channel lists and client events per app', async () => {
      const channel = unique('presence-shared-');
      const alphaAnn = await client(ALPHA, 'ann');
      const betaBob = await client(BETA, 'bob');
      const betaCarl = await client(BETA, 'carl');
      const alphaPresence = await subscribed(alphaAnn, channel);
      const alphaAdded = collect(alphaPresence, 'pusher:member_added');
      const bobPresence = await subscribed(betaBob, channel);
      const carlPresence = await subscribed(betaCarl, channel);
      // carl's member_added reaches bob's socket independently of carl's own subscription answer.
      await waitFor(() => (bobPresence as unknown as { members: { count: number } }).members.count === 2, 'bob to see carl');
      assert.deepEqual(Object.keys((bobPresence as unknown as { members: { members: object } }).members.members).sort(), ['bob', 'carl'], 'bob sees carl and himself, not ann');
      const alphaClientEvents = everyEvent(alphaPresence);

      // A client event in beta reaches beta's other member only.
      const got = nextEvent(carlPresence, 'client-wave');
      bobPresence.trigger('client-wave', { from: 'bob' });
      assert.deepEqual(await got, { from: 'bob' });
      await marker(ALPHA, alphaPresence);
      assert.deepEqual(alphaClientEvents, [{ event: 'marker', data: {} }]);
      assert.deepEqual(alphaAdded, [], "no member_added in alpha for beta's members");

      const users = async (app: TestApp) =>
        ((await (await sdk(app).get({ path: `/channels/${channel}/users` })).json()) as { users: Array<{ id: string }> }).users.map((u) => u.id).sort();
      assert.deepEqual(await users(ALPHA), ['ann']);
      assert.deepEqual(await users(BETA), ['bob', 'carl']);

      const only = unique('only-in-alpha-');
      await subscribed(alphaAnn, only);
      const list = async (app: TestApp) =>
        Object.keys(((await (await sdk(app).get({ path: '/channels', params: { filter_by_prefix: 'only-in-alpha-' } })).json()) as { channels: object }).channels);
      assert.deepEqual(await list(ALPHA), [only]);
      assert.deepEqual(await list(BETA), []);
    });

    it("refuses a channel authorisation signed with another app's secret", async () => {
      const c = createClient(herald, BETA, { signer: sdk({ ...BETA, secret: ALPHA.secret }) });
      clients.push(c);
      const refused = await within(
        new Promise<{ status: number }>((resolve, reject) => {
          const channel = c.subscribe('private-crossed');
          channel.bind('pusher:subscription_error', resolve);
          channel.bind('pusher:subscription_succeeded', () => reject(new Error("accepted an auth signed with alpha's secret")));
        }),
        'subscription_error',
      );
      assert.equal(refused.status, 401);
      // And the API refuses alpha's secret for beta.
      const crossed = await statusOf(serverSdk(herald, { ...BETA, secret: ALPHA.secret }).trigger('news', 'x', {}));
      assert.equal(crossed.status, 401);
    });
  });

  describe('switches', () => {
    it("refuses a disabled app's connections with 4003 (pusher-js gives up) and its API requests with 403; other apps work", async () => {
      const c = createClient(herald, OFF);
      clients.push(c);
      const error = await nextConnectionError(c);
      assert.equal(error.error?.data.code, 4003);
      await waitFor(() => c.connection.state === 'disconnected', 'pusher-js to give up');
      const api = await statusOf(sdk(OFF).trigger('news', 'x', {}));
      assert.equal(api.status, 403);
      assert.match((JSON.parse(api.body) as { error: string }).error, /disabled/i);
      const other = await client(ALPHA);
      assert.equal(other.connection.state, 'connected');
    });

    it('rejects client events with pusher:error when the app switches them off; another app relays them', async () => {
      const channel = 'private-chatter';
      const [sender, receiver] = [await client(QUIET), await client(QUIET)];
      const senderChannel = await subscribed(sender, channel);
      const receiverChannel = await subscribed(receiver, channel);
      const received = everyEvent(receiverChannel);
      const error = nextConnectionError(sender);
      senderChannel.trigger('client-hello', {});
      const rejected = await error;
      assert.equal(rejected.type, 'PusherError');
      assert.match(rejected.data?.message ?? '', /client ?events/i);
      await marker(QUIET, receiverChannel);
      assert.deepEqual(received, [{ event: 'marker', data: {} }], 'the client event was not relayed');
      assert.equal(sender.connection.state, 'connected');

      const [alphaSender, alphaReceiver] = [await client(ALPHA), await client(ALPHA)];
      const alphaSenderChannel = await subscribed(alphaSender, channel);
      const alphaReceiverChannel = await subscribed(alphaReceiver, channel);
      const got = nextEvent(alphaReceiverChannel, 'client-hello');
      alphaSenderChannel.trigger('client-hello', { ok: true });
      assert.deepEqual(await got, { ok: true });
    });
  });

  describe('per-app limits', () => {
    it('maxConnections: 2 — the third pusher-js client is refused with 4004, other apps are not limited, a freed place is reusable', async () => {
      const [first, second] = [await client(TIGHT), await client(TIGHT)];
      const third = createClient(herald, TIGHT);
      clients.push(third);
      const error = await nextConnectionError(third);
      assert.equal(error.error?.data.code, 4004);
      await waitFor(() => third.connection.state === 'disconnected', 'pusher-js to give up');
      assert.equal(first.connection.state, 'connected');
      assert.equal(second.connection.state, 'connected');
      const others = await Promise.all([client(ALPHA), client(ALPHA), client(ALPHA)]);
      for (const o of others) assert.equal(o.connection.state, 'connected');

      first.disconnect();
      const replacement = await waitFor(async () => {
        const c = createClient(herald, TIGHT);
        clients.push(c);
        const outcome = await within(
          new Promise<boolean>((resolve) => {
            c.connection.bind('connected', () => resolve(true));
            c.connection.bind('error', () => resolve(false));
          }),
          'a connection attempt to settle',
        );
        if (!outcome) c.disconnect();
        return outcome ? c : undefined;
      }, 'a client to take the freed place');
      assert.equal(replacement.connection.state, 'connected');
    });

    it("maxChannelsPerTrigger: 3 — the pusher SDK's trigger to 4 channels gets 400 and publishes nothing; other apps allow 4", async () => {
      const names = ['limit-1', 'limit-2', 'limit-3', 'limit-4'];
      const c = await client(SMALL);
      const channels = await Promise.all(names.map((n) => subscribed(c, n)));
      const seen = channels.map(everyEvent);
      const ok = await statusOf(sdk(SMALL).trigger(names.slice(0, 3), 'three', {}));
      assert.equal(ok.status, 200);
      const refused = await statusOf(sdk(SMALL).trigger(names, 'four', {}));
      assert.equal(refused.status, 400);
      assert.match((JSON.parse(refused.body) as { error: string }).error, /3/);
      for (const channel of channels) await marker(SMALL, channel);
      assert.deepEqual(
        seen.map((s) => s.map((e) => e.event)),
        [['three', 'marker'], ['three', 'marker'], ['three', 'marker'], ['marker']],
      );

      assert.equal((await statusOf(sdk(ALPHA).trigger(names, 'four', {}))).status, 200);
    });

    it('maxEventPayloadBytes: 100 — 100 bytes pass, 101 get 413 from the API and pusher:error as a client event; other apps take more', async () => {
      const exactly = 'x'.repeat(100);
      const over = 'x'.repeat(101);
      const c = await client(SMALL);
      const channel = await subscribed(c, 'private-sized');
      const seen = everyEvent(channel);
      assert.equal((await statusOf(sdk(SMALL).trigger('private-sized', 'fits', exactly))).status, 200);
      const tooBig = await statusOf(sdk(SMALL).trigger('private-sized', 'too-big', over));
      assert.equal(tooBig.status, 413);
      assert.match((JSON.parse(tooBig.body) as { error: string }).error, /100/);
      const batch = await statusOf(
        sdk(SMALL).triggerBatch([
          { channel: 'private-sized', name: 'in-batch', data: 'small' },
          { channel: 'private-sized', name: 'in-batch', data: over },
        ]),
      );
      assert.equal(batch.status, 413);
      await marker(SMALL, channel);
      assert.deepEqual(
        seen.map((e) => e.event),
        ['fits', 'marker'],
        'nothing over the limit was published',
      );

      const receiver = await client(SMALL);
      const receiverChannel = await subscribed(receiver, 'private-sized');
      const received = everyEvent(receiverChannel);
      const error = nextConnectionError(c);
      channel.trigger('client-big', over);
      assert.match((await error).data?.message ?? '', /100/);
      const fits = nextEvent(receiverChannel, 'client-fits');
      channel.trigger('client-fits', 'x'.repeat(98)); // 98 characters + 2 quotes as JSON: 100 bytes
      await fits;
      assert.deepEqual(
        received.map((e) => e.event),
        ['client-fits'],
      );

      assert.equal((await statusOf(sdk(ALPHA).trigger('private-sized', 'bigger', 'x'.repeat(5000)))).status, 200);
    });

    it('maxPresenceMembers: 2 — a third user is refused in that app only', async () => {
      const channel = unique('presence-pair-');
      for (const user of ['one', 'two']) await subscribed(await client(SMALL, user), channel);
      const third = await client(SMALL, 'three');
      const refused = await within(
        new Promise<{ status: number; error: string }>((resolve, reject) => {
          const ch = third.subscribe(channel);
          ch.bind('pusher:subscription_error', resolve);
          ch.bind('pusher:subscription_succeeded', () => reject(new Error('a third member was admitted')));
        }),
        'subscription_error for the third member',
      );
      assert.ok(refused.status >= 400 && refused.status < 500, `status ${refused.status}`);
      assert.match(refused.error, /2/);
      // The same channel name in another app has its own (default) limit.
      for (const user of ['one', 'two', 'three']) await subscribed(await client(ALPHA, user), channel);
      const body = (await (await sdk(ALPHA).get({ path: `/channels/${channel}/users` })).json()) as { users: unknown[] };
      assert.equal(body.users.length, 3);
    });

    it('maxApiRequestsPerSecond: 5 — more requests in a second get 429 with a JSON error; other apps are unaffected; the next second is allowed again', async () => {
      const path = `/apps/${RATED.id}/channels`;
      const burst = await Promise.all(Array.from({ length: 8 }, () => signedRequest(herald, RATED, { path })));
      const statuses = burst.map((r) => r.status);
      const ok = statuses.filter((s) => s === 200).length;
      const limited = burst.filter((r) => r.status === 429);
      assert.ok(ok >= 1 && ok <= 5, `at most 5 of 8 allowed (statuses ${statuses.join(', ')})`);
      assert.ok(limited.length >= 3, `the rest refused with 429 (statuses ${statuses.join(', ')})`);
      for (const response of limited) {
        assert.match(response.contentType, /^application\/json/);
        const body = response.json as { error?: unknown };
        assert.deepEqual(Object.keys(body), ['error'], response.text);
        assert.match(String(body.error), /too many requests/i);
        assert.match(String(body.error), /5 per second/);
      }
      // The pusher SDK sees the 429 too.
      const viaSdk = await statusOf(sdk(RATED).trigger('news', 'x', {}));
      if (viaSdk.status !== 200) assert.equal(viaSdk.status, 429);

      // Meanwhile other apps, limited or not, are served.
      const others = await Promise.all([
        ...Array.from({ length: 5 }, () => signedRequest(herald, RATED_TOO, { path: `/apps/${RATED_TOO.id}/channels` })),
        ...Array.from({ length: 10 }, () => signedRequest(herald, ALPHA, { path: `/apps/${ALPHA.id}/channels` })),
      ]);
      assert.deepEqual(
        others.map((r) => r.status),
        Array(15).fill(200),
      );

      // The limit is per second: the app is served again once the window has passed.
      await waitFor(async () => (await signedRequest(herald, RATED, { path })).status === 200, 'a request in a later second to be served', 5000, 200);
    });

    it("maxApiRequestsPerSecond counts only the app's authenticated requests: a flood of unsigned or wrongly signed ones cannot lock it out", async () => {
      const path = `/apps/${RATED_TOO.id}/channels`;
      // Let any window of the previous test's requests to this app pass first.
      await waitFor(async () => (await signedRequest(herald, RATED_TOO, { path })).status === 200, 'the app to be served');
      const flood = await Promise.all([
        ...Array.from({ length: 10 }, () => fetch(`${herald.httpUrl}${path}`).then((r) => r.status)),
        ...Array.from({ length: 10 }, () => signedRequest(herald, { ...RATED_TOO, secret: 'guessed' }, { path }).then((r) => r.status)),
      ]);
      assert.deepEqual(flood, Array(20).fill(401));
      const own = await signedRequest(herald, RATED_TOO, { path });
      assert.equal(own.status, 200, `the app's own request is served: ${own.text}`);
    });
  });
});
