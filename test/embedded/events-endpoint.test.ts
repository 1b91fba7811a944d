/**
 * POST /apps/:id/events has one path for every app (events-endpoint.ts, outside fastify). An
 * app with an API rate limit must get the same answers as one without — same status, content
 * type and body — plus its rate limit, counted with its other API calls exactly as fastify's
 * routes count them. The clock is manual so that one-second rate windows never roll over
 * mid-test.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../services/core/src/manual-clock';
import { type ApiResponse, signedRequest } from '../helpers/signed-request';
import { startTestHerald, type TestApp, type TestHerald } from '../helpers/test-herald';

const PLAIN: TestApp = { id: 'plain-app', key: 'plain-key', secret: 'plain-secret' };
// Under its limit in every case below: answers as PLAIN does, with rate headers besides.
const RATED: TestApp = { id: 'rated-app', key: 'rated-key', secret: 'rated-secret', limits: { maxApiRequestsPerSecond: 1000 } };
const LIMITED: TestApp = { id: 'limited-app', key: 'limited-key', secret: 'limited-secret', limits: { maxApiRequestsPerSecond: 3 } };
const SHARED: TestApp = { id: 'shared-app', key: 'shared-key', secret: 'shared-secret', limits: { maxApiRequestsPerSecond: 3 } };
const SIGNED_ONLY: TestApp = { id: 'signed-only-app', key: 'signed-only-key', secret: 'signed-only-secret', limits: { maxApiRequestsPerSecond: 2 } };

const RATE_HEADERS = ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'retry-after'];
/** The rate-limit headers an answer carries. */
const rateHeaders = (r: ApiResponse) => Object.fromEntries(RATE_HEADERS.flatMap((name) => (r.headers.has(name) ? [[name, r.headers.get(name)]] : [])));

describe('POST /apps/:id/events: one path for every app', () => {
  let herald: TestHerald;
  const clock = new ManualClock(Date.now());

  before(async () => {
    herald = await startTestHerald({ apps: [PLAIN, RATED, LIMITED, SHARED, SIGNED_ONLY], clock });
  });
  after(() => herald?.stop());

  const event = { name: 'e', channel: 'c', data: '{}' };
  const events = (app: TestApp, options: { body?: string | object; secret?: string; params?: Record<string, string> } = {}) =>
    signedRequest({ port: herald.port }, app, { method: 'POST', path: `/apps/${app.id}/events`, ...options });
  /** Messages may name the app (e.g. the string that was to be signed): compare them without it. */
  const comparable = (r: ApiResponse, app: TestApp) => ({
    status: r.status,
    contentType: r.contentType,
    // The two requests are signed a moment apart: a second may tick between their timestamps.
    text: r.text
      .replaceAll(app.id, '<app id>')
      .replaceAll(app.key, '<app key>')
      .replace(/auth_timestamp=\d+/g, 'auth_timestamp=<time>'),
  });

  /** Each case, and the answer both apps get: a status and the body (exact, or an error matching). */
  const cases: Array<[string, (app: TestApp) => Promise<ApiResponse>, number, object | RegExp]> = [
    ['a valid event', (app) => events(app, { body: event }), 200, {}],
    [
      'a valid event asking for info',
      (app) => events(app, { body: { name: 'e', channels: ['c', 'd'], data: '{}', info: 'subscription_count' } }),
      200,
      { channels: { c: { subscription_count: 0 }, d: { subscription_count: 0 } } },
    ],
    ['a wrong signature', (app) => events(app, { body: event, secret: 'not-the-secret' }), 401, /^Invalid signature: expected HMAC SHA256 hex digest of "POST\\n\/apps\//],
    ['a body that is not JSON', (app) => events(app, { body: '{"name": ' }), 400, { error: 'The request body is not valid JSON' }],
    ['no channel', (app) => events(app, { body: { name: 'e', data: '{}' } }), 400, { error: '"channels" or "channel" is required' }],
    [
      'an invalid channel name',
      (app) => events(app, { body: { name: 'e', channel: 'bad name', data: '{}' } }),
      400,
      { error: 'Channel name "bad name" contains characters outside [A-Za-z0-9_-=@,.;]' },
    ],
    [
      'data over the size limit',
      (app) => events(app, { body: { name: 'e', channel: 'c', data: 'x'.repeat(20 * 1024) } }),
      413,
      { error: 'Event data is 20480 bytes; the limit is 10240 bytes' },
    ],
    ['a body over the HTTP body limit', (app) => events(app, { body: { name: 'e', channel: 'c', data: 'x'.repeat(2 * 1024 * 1024) } }), 413, { error: 'Request body too large' }],
    ['an empty body', (app) => events(app, { body: '' }), 400, { error: 'Expected a JSON object' }],
  ];
  for (const [what, request, status, body] of cases) {
    it(`gives every app the same answer to ${what}: ${status}`, async () => {
      const [plain, rated] = [await request(PLAIN), await request(RATED)];
      assert.deepEqual(comparable(plain, PLAIN), comparable(rated, RATED));
      assert.equal(plain.status, status, plain.text);
      assert.equal(plain.contentType, 'application/json; charset=utf-8');
      if (body instanceof RegExp) {
        assert.deepEqual(Object.keys(plain.json as object), ['error']);
        assert.match((plain.json as { error: string }).error, body);
      } else {
        assert.deepEqual(plain.json, body);
      }
    });
  }

  it("answers an unknown app id with the API's 404, whatever the id looks like, and a percent-encoded one as fastify decodes it", async () => {
    for (const [path, id] of [
      ['/apps/no-such-app/events', 'no-such-app'],
      ['/apps/a.b/events', 'a.b'],
      ['/apps//events', ''],
    ]) {
      const response = await signedRequest({ port: herald.port }, PLAIN, { method: 'POST', path, body: event });
      assert.equal(response.status, 404, path);
      assert.deepEqual(response.json, { error: `Unknown app "${id}"` });
    }
    const encoded = await signedRequest({ port: herald.port }, PLAIN, { method: 'POST', path: '/apps/plain%2Dapp/events', body: event });
    assert.equal(encoded.status, 200, encoded.text);
  });

  it('still applies the rate limit of an app that has one', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await events(LIMITED, { body: event })).status);
    assert.deepEqual(statuses, [200, 200, 200, 429, 429, 429]);
    clock.advance(1000);
    assert.equal((await events(LIMITED, { body: event })).status, 200, 'the next window admits again');
  });

  it("counts a limited app's events and its other API calls against one budget, and answers 429 alike on both", async () => {
    const channels = () => signedRequest({ port: herald.port }, SHARED, { path: `/apps/${SHARED.id}/channels` });
    const answers = [await events(SHARED, { body: event }), await channels(), await events(SHARED, { body: event })];
    assert.deepEqual(
      answers.map((r) => r.status),
      [200, 200, 200],
    );
    const refusedEvent = await events(SHARED, { body: event });
    const refusedQuery = await channels();
    for (const refused of [refusedEvent, refusedQuery]) {
      assert.equal(refused.status, 429);
      assert.deepEqual(refused.json, { error: 'Too many requests for this app: the limit is 3 per second, retry in 1 second' });
      assert.deepEqual(rateHeaders(refused), { 'x-ratelimit-limit': '3', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1', 'retry-after': '1' });
    }
  });

  it('sends a limited app its rate headers on every answer once its request is counted, errors included', async () => {
    clock.advance(1000);
    const ok = await events(SHARED, { body: event });
    assert.deepEqual([ok.status, rateHeaders(ok)], [200, { 'x-ratelimit-limit': '3', 'x-ratelimit-remaining': '2', 'x-ratelimit-reset': '1' }]);
    const refused = await events(SHARED, { body: { name: 'e', channel: 'bad name', data: '{}' } });
    assert.deepEqual([refused.status, rateHeaders(refused)], [400, { 'x-ratelimit-limit': '3', 'x-ratelimit-remaining': '1', 'x-ratelimit-reset': '1' }]);
    const unlimited = await events(PLAIN, { body: event });
    assert.deepEqual([unlimited.status, rateHeaders(unlimited)], [200, {}], 'an app without a limit gets none');
  });

  it("counts only correctly signed requests: wrongly signed events cannot use up an app's budget", async () => {
    const wrong = await Promise.all(Array.from({ length: 10 }, () => events(SIGNED_ONLY, { body: event, secret: 'guessed' })));
    assert.deepEqual(
      wrong.map((r) => r.status),
      Array(10).fill(401),
    );
    const own = [await events(SIGNED_ONLY, { body: event }), await events(SIGNED_ONLY, { body: event })];
    assert.deepEqual(
      own.map((r) => r.status),
      [200, 200],
    );
  });
});
