/**
 * POST /apps/:id/events has a fast path beside fastify (apps without an API rate limit) and
 * the fastify route (apps with one). A client must not be able to tell them apart: the same
 * request gets the same status, content type and body from both.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ApiResponse, signedRequest } from '../helpers/signed-request';
import { startTestHerald, type TestApp, type TestHerald } from '../helpers/test-herald';

const FAST: TestApp = { id: 'fast-app', key: 'fast-key', secret: 'fast-secret' };
// A rate limit sends this app's requests through fastify's route and its rate-limit hook.
const ROUTED: TestApp = { id: 'routed-app', key: 'routed-key', secret: 'routed-secret', limits: { maxApiRequestsPerSecond: 1000 } };
const LIMITED: TestApp = { id: 'limited-app', key: 'limited-key', secret: 'limited-secret', limits: { maxApiRequestsPerSecond: 3 } };

describe('POST /apps/:id/events: fast path and fastify route answer alike', () => {
  let herald: TestHerald;

  before(async () => {
    herald = await startTestHerald({ apps: [FAST, ROUTED, LIMITED] });
  });
  after(() => herald?.stop());

  /** The same request to both apps, with the app's own id in the path. */
  async function both(request: (app: TestApp) => Promise<ApiResponse>): Promise<[ApiResponse, ApiResponse]> {
    return [await request(FAST), await request(ROUTED)];
  }
  const events = (app: TestApp, options: { body?: string | object; secret?: string; params?: Record<string, string> } = {}) =>
    signedRequest({ port: herald.port }, app, { method: 'POST', path: `/apps/${app.id}/events`, ...options });
  /** Messages may name the app (e.g. the string that was to be signed): compare them without it. */
  const comparable = (r: ApiResponse, app: TestApp) => ({
    status: r.status,
    contentType: r.contentType,
    text: r.text.replaceAll(app.id, '<app id>').replaceAll(app.key, '<app key>'),
  });

  const cases: Array<[string, (app: TestApp) => Promise<ApiResponse>]> = [
    ['a valid event', (app) => events(app, { body: { name: 'e', channel: 'c', data: '{}' } })],
    ['a valid event asking for info', (app) => events(app, { body: { name: 'e', channels: ['c', 'd'], data: '{}', info: 'subscription_count' } })],
    ['a wrong signature', (app) => events(app, { body: { name: 'e', channel: 'c', data: '{}' }, secret: 'not-the-secret' })],
    ['a body that is not JSON', (app) => events(app, { body: '{"name": ' })],
    ['no channel', (app) => events(app, { body: { name: 'e', data: '{}' } })],
    ['an invalid channel name', (app) => events(app, { body: { name: 'e', channel: 'bad name', data: '{}' } })],
    ['data over the size limit', (app) => events(app, { body: { name: 'e', channel: 'c', data: 'x'.repeat(20 * 1024) } })],
    ['a body over the HTTP body limit', (app) => events(app, { body: { name: 'e', channel: 'c', data: 'x'.repeat(2 * 1024 * 1024) } })],
    ['an empty body', (app) => events(app, { body: '' })],
  ];
  for (const [what, request] of cases) {
    it(`gives the same answer to ${what}`, async () => {
      const [fast, routed] = await both(request);
      assert.deepEqual(comparable(fast, FAST), comparable(routed, ROUTED));
    });
  }

  it('still applies the rate limit of an app that has one (its requests go through fastify)', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await events(LIMITED, { body: { name: 'e', channel: 'c', data: '{}' } })).status);
    assert.deepEqual(statuses.slice(0, 3), [200, 200, 200]);
    assert.ok(statuses.slice(3).includes(429), `over 3 per second is refused: ${statuses.join(',')}`);
  });
});
