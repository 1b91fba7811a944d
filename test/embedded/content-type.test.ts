/**
 * One Content-Type rule for every API body, `/events` and `/batch_events` alike: JSON said as
 * `application/json` (any case, with parameters) or not said at all — what every official
 * server SDK sends, and what hand-written clients without a type send — is published; a body
 * said to be anything else gets 415 with the API's JSON error and publishes nothing.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import type PusherJs from 'pusher-js';
import { connectedClient, nextEvent, serverSdk, subscribed } from '../helpers/pusher-clients';
import { signedUrl } from '../helpers/signed-request';
import { startTestHerald, type TestApp, type TestHerald } from '../helpers/test-herald';

const APP: TestApp = { id: 'content-type-app', key: 'content-type-key', secret: 'content-type-secret' };

interface Answer {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

/** A signed POST with exactly the Content-Type given (none when undefined), by length or chunked. */
function post(port: number, path: string, body: string, contentType: string | undefined, chunked = false): Promise<Answer> {
  const url = new URL(signedUrl({ port }, APP, { method: 'POST', path, body }));
  const headers: Record<string, string | number> = chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': Buffer.byteLength(body) };
  if (contentType !== undefined) headers['content-type'] = contentType;
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: url.pathname + url.search, headers }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body: text }));
    });
    req.on('error', reject);
    if (chunked) {
      // Two chunks, so the body really arrives chunked.
      req.write(body.slice(0, 5));
      req.end(body.slice(5));
    } else req.end(body);
  });
}

const ROUTES = [
  { route: 'events', path: `/apps/${APP.id}/events`, body: (name: string) => JSON.stringify({ name, channel: 'typed', data: '{}' }) },
  { route: 'batch_events', path: `/apps/${APP.id}/batch_events`, body: (name: string) => JSON.stringify({ batch: [{ name, channel: 'typed', data: '{}' }] }) },
];
const ACCEPTED: Array<[string, string | undefined, boolean]> = [
  ['application/json (what every official server SDK sends)', 'application/json', false],
  ['application/json; charset=utf-8', 'application/json; charset=utf-8', false],
  ['Application/JSON', 'Application/JSON', false],
  ['no Content-Type', undefined, false],
  ['no Content-Type, chunked', undefined, true],
  ['a blank Content-Type', '', false],
];
const REFUSED = ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'not a media type'];

describe('API request Content-Type', () => {
  let herald: TestHerald;
  let watcher: PusherJs;
  let marker = 0;
  let sent = 0;

  before(async () => {
    herald = await startTestHerald({ apps: [APP] });
    watcher = await connectedClient(herald, APP);
    await subscribed(watcher, 'typed');
  });
  after(async () => {
    watcher.disconnect();
    await herald.stop();
  });

  /** Everything `typed` receives up to a marker the SDK triggers after the requests. */
  async function receivedUpToMarker(): Promise<string[]> {
    const channel = watcher.channel('typed');
    const names: string[] = [];
    const record = (event: string) => names.push(event);
    channel.bind_global(record);
    try {
      marker += 1;
      const arrived = nextEvent(channel, `marker-${marker}`);
      await serverSdk(herald, APP).trigger('typed', `marker-${marker}`, {});
      await arrived;
      return names.filter((n) => !n.startsWith('marker-'));
    } finally {
      channel.unbind_global(record);
    }
  }

  for (const { route, path, body } of ROUTES) {
    describe(`POST /apps/:id/${route}`, () => {
      for (const [what, contentType, chunked] of ACCEPTED) {
        it(`publishes a body with ${what}`, async () => {
          sent += 1;
          const name = `${route}-accepted-${sent}`;
          const received = nextEvent(watcher.channel('typed'), name);
          const answer = await post(herald.port, path, body(name), contentType, chunked);
          assert.equal(answer.status, 200, answer.body);
          await received;
        });
      }

      for (const contentType of REFUSED) {
        it(`refuses a body said to be ${contentType} with 415 and the JSON error, and publishes nothing`, async () => {
          const answer = await post(herald.port, path, body(`${route}-refused`), contentType);
          assert.equal(answer.status, 415, answer.body);
          assert.match(answer.contentType, /^application\/json/);
          assert.deepEqual(JSON.parse(answer.body), { error: 'Content-Type must be application/json' });
          assert.deepEqual(await receivedUpToMarker(), []);
        });
      }
    });
  }

  it('holds for the other API bodies too: terminate_connections said to be text/plain gets 415', async () => {
    const answer = await post(herald.port, `/apps/${APP.id}/users/someone/terminate_connections`, '{}', 'text/plain');
    assert.equal(answer.status, 415, answer.body);
    assert.deepEqual(JSON.parse(answer.body), { error: 'Content-Type must be application/json' });
    assert.equal((await post(herald.port, `/apps/${APP.id}/users/someone/terminate_connections`, '{}', undefined)).status, 200);
  });

  it('lets the pusher SDK trigger and trigger a batch as before', async () => {
    const sdk = serverSdk(herald, APP);
    const one = nextEvent(watcher.channel('typed'), 'sdk-one');
    await sdk.trigger('typed', 'sdk-one', {});
    await one;
    const two = nextEvent(watcher.channel('typed'), 'sdk-batch');
    await sdk.triggerBatch([{ channel: 'typed', name: 'sdk-batch', data: {} }]);
    await two;
  });
});
