/**
 * The HTTP API's refusals, sent as raw signed requests (what no SDK would send): request
 * authentication (401), unknown and disabled apps (404, 403), Pusher's limits (413, 400) and
 * bad bodies (400) — always a JSON `{error}` body, and nothing published.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import type PusherJs from 'pusher-js';
import { connectedClient, nextEvent, serverSdk, subscribed } from '../helpers/pusher-clients';
import { type ApiResponse, type SignedRequestOptions, signedRequest } from '../helpers/signed-request';
import { startTestHerald, type TestApp, type TestHerald } from '../helpers/test-herald';

const APP: TestApp = { id: 'errors-app', key: 'errors-key', secret: 'errors-secret' };
const DISABLED: TestApp = { id: 'disabled-app', key: 'disabled-key', secret: 'disabled-secret', enabled: false };
const EVENTS = `/apps/${APP.id}/events`;
const BATCH = `/apps/${APP.id}/batch_events`;
const md5 = (text: string) => createHash('md5').update(text).digest('hex');
const now = () => Math.floor(Date.now() / 1000);

/** Asserts a refusal: the status, and a JSON body that is exactly `{error: <non-empty string>}`. */
function assertRefused(response: ApiResponse, status: number, reason?: RegExp): void {
  assert.equal(response.status, status, `expected ${status}, got ${response.status}: ${response.text}`);
  assert.match(response.contentType, /^application\/json/);
  const body = response.json as { error?: unknown };
  assert.deepEqual(Object.keys(body), ['error'], response.text);
  assert.equal(typeof body.error, 'string');
  assert.ok((body.error as string).length > 0);
  if (reason) assert.match(body.error as string, reason);
}

describe('HTTP API errors', () => {
  let herald: TestHerald;
  let watcher: PusherJs;
  /** Every event `watched` received other than the markers. */
  const watched: Array<{ event: string; data: unknown }> = [];
  let markers = 0;
  const trigger = (body: object, options: Partial<SignedRequestOptions> = {}) => signedRequest(herald, APP, { path: EVENTS, body, ...options });

  before(async () => {
    herald = await startTestHerald({ apps: [APP, DISABLED] });
    // Every refused trigger below names the channel `watched`; none of them may reach it.
    watcher = await connectedClient(herald, APP);
    const channel = await subscribed(watcher, 'watched');
    channel.bind_global((event: string, data: unknown) => {
      if (event !== 'marker') watched.push({ event, data });
    });
  });
  after(async () => {
    watcher.disconnect();
    await herald.stop();
  });
  // Each test answers only for what it sent (every earlier event has arrived before its marker).
  beforeEach(() => {
    watched.length = 0;
  });

  /** Proves nothing refused reached `watched`: a later event on the same channel arrives, and nothing before it. */
  async function assertNothingPublished(): Promise<void> {
    const channel = watcher.channel('watched');
    markers += 1;
    const marker = nextEvent<{ n: number }>(channel, 'marker');
    await serverSdk(herald, APP).trigger('watched', 'marker', { n: markers });
    assert.deepEqual(await marker, { n: markers });
    assert.deepEqual(watched, [], 'no refused event was delivered');
  }

  it('accepts a correctly signed request (so the refusals below are about what they change)', async () => {
    const response = await trigger({ name: 'accepted', channel: 'other', data: '{}' });
    assert.equal(response.status, 200, response.text);
    assert.deepEqual(response.json, {});
  });

  describe('authentication (401)', () => {
    it('refuses a signature made with the wrong secret', async () => {
      assertRefused(await trigger({ name: 'refused', channel: 'watched', data: '{}' }, { secret: 'not-the-secret' }), 401, /signature/i);
      await assertNothingPublished();
    });

    it('refuses the pusher SDK configured with the wrong secret, with the reason in the body', async () => {
      const sdk = serverSdk(herald, { ...APP, secret: 'wrong' });
      await assert.rejects(sdk.trigger('watched', 'refused', {}), (err: { status?: number; body?: string }) => {
        assert.equal(err.status, 401);
        assert.equal(typeof (JSON.parse(err.body ?? '{}') as { error?: unknown }).error, 'string');
        return true;
      });
      await assertNothingPublished();
    });

    it('refuses a GET whose signature does not match, and a query changed after signing', async () => {
      assertRefused(await signedRequest(herald, APP, { path: `/apps/${APP.id}/channels`, secret: 'nope' }), 401);
      const tampered = await signedRequest(herald, APP, {
        path: `/apps/${APP.id}/channels`,
        params: { filter_by_prefix: 'presence-' },
        override: { filter_by_prefix: 'private-' },
      });
      assertRefused(tampered, 401, /signature/i);
    });

    // The server reads its clock after the test does: a second can tick in between, which
    // makes an old timestamp older but a future one 1 s nearer, so the future one is 602 s out.
    for (const [what, offset] of [
      ['601 s old', -601],
      ['602 s in the future', 602],
    ] as const) {
      it(`refuses a timestamp ${what}`, async () => {
        assertRefused(await trigger({ name: 'refused', channel: 'watched', data: '{}' }, { timestamp: now() + offset }), 401, /timestamp/i);
        await assertNothingPublished();
      });
    }

    it('accepts a timestamp 590 s old (inside the 600 s window)', async () => {
      const response = await trigger({ name: 'accepted', channel: 'other', data: '{}' }, { timestamp: now() - 590 });
      assert.equal(response.status, 200, response.text);
    });

    it('refuses a body whose body_md5 does not match, even when the signature covers it', async () => {
      const body = { name: 'refused', channel: 'watched', data: '{}' };
      const response = await trigger(body, { params: { body_md5: md5('a different body') } });
      assertRefused(response, 401, /body_md5/);
      await assertNothingPublished();
    });

    it('refuses a body without body_md5', async () => {
      assertRefused(await trigger({ name: 'refused', channel: 'watched', data: '{}' }, { override: { body_md5: undefined } }), 401, /body_md5/);
      await assertNothingPublished();
    });

    it('refuses a request without any authentication parameters', async () => {
      const response = await fetch(`${herald.httpUrl}${EVENTS}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'refused', channel: 'watched', data: '{}' }),
      });
      const text = await response.text();
      assertRefused({ status: response.status, contentType: response.headers.get('content-type') ?? '', headers: response.headers, text, json: JSON.parse(text) }, 401);
      await assertNothingPublished();
    });

    for (const param of ['auth_key', 'auth_timestamp', 'auth_signature']) {
      it(`refuses a request without ${param}`, async () => {
        assertRefused(await trigger({ name: 'refused', channel: 'watched', data: '{}' }, { override: { [param]: undefined } }), 401);
        await assertNothingPublished();
      });
    }

    it("refuses another app's key", async () => {
      const response = await signedRequest(herald, { ...APP, key: DISABLED.key }, { path: EVENTS, body: { name: 'refused', channel: 'watched', data: '{}' } });
      assertRefused(response, 401);
      await assertNothingPublished();
    });
  });

  describe('apps', () => {
    it('answers 404 for an unknown app id', async () => {
      const response = await signedRequest(herald, APP, { path: '/apps/no-such-app/events', body: { name: 'e', channel: 'watched', data: '{}' } });
      assertRefused(response, 404);
    });

    it('answers 403 for a disabled app, correctly signed', async () => {
      const response = await signedRequest(herald, DISABLED, { path: `/apps/${DISABLED.id}/events`, body: { name: 'e', channel: 'c', data: '{}' } });
      assertRefused(response, 403, /disabled/i);
    });
  });

  describe('limits', () => {
    it('accepts data of exactly 10 KB and refuses 10 KB + 1 byte with 413', async () => {
      const ok = await trigger({ name: 'accepted', channel: 'other', data: 'x'.repeat(10 * 1024) });
      assert.equal(ok.status, 200, ok.text);
      assertRefused(await trigger({ name: 'refused', channel: 'watched', data: 'x'.repeat(10 * 1024 + 1) }), 413);
      await assertNothingPublished();
    });

    it('counts bytes, not characters: 10 KB of multi-byte text is over the limit', async () => {
      // 5121 two-byte characters: 5121 characters, 10242 bytes.
      assertRefused(await trigger({ name: 'refused', channel: 'watched', data: 'é'.repeat(5121) }), 413);
      await assertNothingPublished();
    });

    it("refuses a request body over the server's body limit with 413 and a JSON error", async () => {
      assertRefused(await trigger({ name: 'refused', channel: 'watched', data: 'x'.repeat(2 * 1024 * 1024) }), 413);
      await assertNothingPublished();
    });

    it('refuses an over-size event in a batch with 413 and publishes none of the batch', async () => {
      const batch = [
        { name: 'refused', channel: 'watched', data: '{}' },
        { name: 'refused', channel: 'watched', data: 'x'.repeat(10 * 1024 + 1) },
      ];
      assertRefused(await signedRequest(herald, APP, { path: BATCH, body: { batch } }), 413);
      await assertNothingPublished();
    });

    it('accepts 100 channels and refuses 101 with 400', async () => {
      const channels = (n: number) => ['watched', ...Array.from({ length: n - 1 }, (_, i) => `fan-${i}`)];
      const ok = await trigger({ name: 'accepted', channels: channels(100).slice(1).concat('fan-extra'), data: '{}' });
      assert.equal(ok.status, 200, ok.text);
      assertRefused(await trigger({ name: 'refused', channels: channels(101), data: '{}' }), 400, /101/);
      await assertNothingPublished();
    });

    it('accepts a batch of 10 and refuses 11 with 400', async () => {
      const batch = (n: number, channel: string) => Array.from({ length: n }, () => ({ name: 'refused', channel, data: '{}' }));
      const ok = await signedRequest(herald, APP, { path: BATCH, body: { batch: batch(10, 'other') } });
      assert.equal(ok.status, 200, ok.text);
      assertRefused(await signedRequest(herald, APP, { path: BATCH, body: { batch: batch(11, 'watched') } }), 400, /11/);
      await assertNothingPublished();
    });
  });

  describe('bad bodies (400)', () => {
    it('refuses a body that is not JSON', async () => {
      assertRefused(await trigger({}, { body: '{"name":"refused","channel":"watched","data":' }), 400, /JSON/);
      await assertNothingPublished();
    });

    it('refuses a JSON body that is not an object', async () => {
      assertRefused(await trigger({}, { body: '["watched"]' }), 400);
      assertRefused(await signedRequest(herald, APP, { path: BATCH, body: '{"batch":{}}' }), 400);
    });

    it('refuses an event without name, without data, or without a channel', async () => {
      assertRefused(await trigger({ channel: 'watched', data: '{}' }), 400, /name/i);
      assertRefused(await trigger({ name: 'refused', channel: 'watched' }), 400, /data/);
      assertRefused(await trigger({ name: 'refused', data: '{}' }), 400, /channel/);
      await assertNothingPublished();
    });

    for (const [what, name] of [
      ['a space', 'bad name'],
      ['a slash', 'a/b'],
      ['non-ASCII', 'caf\u00e9'],
      ['201 characters', 'c'.repeat(201)],
      ['a reserved # prefix', '#watched'],
    ]) {
      it(`refuses a channel name with ${what}, and publishes to none of the listed channels`, async () => {
        assertRefused(await trigger({ name: 'refused', channels: ['watched', name], data: '{}' }), 400, /[Cc]hannel name/);
        await assertNothingPublished();
      });
    }

    for (const name of ['pusher:x', 'pusher_internal:subscription_succeeded']) {
      it(`refuses the reserved event name ${name}`, async () => {
        assertRefused(await trigger({ name, channel: 'watched', data: '{}' }), 400, /reserved/);
        await assertNothingPublished();
      });
    }

    it('refuses an event name over 200 characters', async () => {
      assertRefused(await trigger({ name: 'e'.repeat(201), channel: 'watched', data: '{}' }), 400, /201/);
      await assertNothingPublished();
    });

    it('refuses a socket_id that is not "digits.digits"', async () => {
      assertRefused(await trigger({ name: 'refused', channel: 'watched', data: '{}', socket_id: 'abc' }), 400, /socket_id/);
      await assertNothingPublished();
    });

    it('refuses an unknown info attribute', async () => {
      assertRefused(await trigger({ name: 'refused', channel: 'watched', data: '{}', info: 'favourite_colour' }), 400, /favourite_colour/);
      await assertNothingPublished();
    });
  });
});
