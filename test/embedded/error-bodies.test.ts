/**
 * Errors outside the API's own routes — an unknown route or method, a body fastify cannot
 * parse, a URL its router cannot take, a request Node's parser refuses, a plain HTTP GET of the
 * WebSocket path — answer in the API's `{"error": …}` shape, never echoing the query: each
 * request here carries a real signed query (`auth_key`, `auth_signature`), as an SDK's would.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { signedUrl } from '../helpers/signed-request';
import { startTestHerald, type TestApp, type TestHerald } from '../helpers/test-herald';

const APP: TestApp = { id: 'bodies-app', key: 'bodies-key', secret: 'bodies-secret' };

interface Answer {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

/** The request's path with a signed query, and the credentials the answer must not echo. */
function withCredentials(path: string): { target: string; credentials: string[] } {
  const url = new URL(signedUrl({ port: 1 }, APP, { method: 'GET', path: '/apps/bodies-app/channels' }));
  const credentials = [url.searchParams.get('auth_signature') ?? '', APP.key, 'auth_signature', 'auth_key'];
  return { target: `${path}${url.search}`, credentials };
}

function send(port: number, method: string, target: string, options: { body?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers = { ...(options.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(options.body)) }), ...options.headers };
    const req = request({ host: '127.0.0.1', port, method, path: target, headers }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body: text }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Writes `raw` bytes on a socket and reads the whole answer (the server closes after it). */
async function sendRaw(port: number, raw: string): Promise<Answer> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  socket.write(raw);
  await once(socket, 'close');
  const [head, body = ''] = text.split('\r\n\r\n');
  const contentType = /^content-type: *(.*)$/im.exec(head)?.[1] ?? '';
  return { status: Number(head.split(' ')[1]), contentType, body };
}

/** The answer is `{"error": message}` as JSON, and names none of the credentials. */
function assertHeraldError(answer: Answer, status: number, message: string, credentials: readonly string[]): void {
  assert.equal(answer.status, status, answer.body);
  assert.match(answer.contentType, /^application\/json/);
  assert.deepEqual(JSON.parse(answer.body), { error: message });
  for (const credential of credentials) assert.equal(answer.body.includes(credential), false, `${credential} echoed: ${answer.body}`);
}

describe('error bodies outside the API routes', () => {
  let herald: TestHerald;

  before(async () => {
    herald = await startTestHerald({ apps: [APP] });
  });
  after(() => herald.stop());

  for (const [method, path] of [
    ['GET', '/nope'],
    ['POST', '/nope'],
    ['DELETE', '/healthz'],
    ['GET', `/apps/${APP.id}/events`],
    ['GET', `/apps/${APP.id}/batch_events`],
    ['PUT', `/apps/${APP.id}/channels`],
  ] as const) {
    it(`answers ${method} ${path} (no such route) with 404 and the path alone`, async () => {
      const { target, credentials } = withCredentials(path);
      const answer = await send(herald.port, method, target, method === 'POST' ? { body: '{}', headers: { 'content-type': 'application/json' } } : {});
      assertHeraldError(answer, 404, `Not found: ${method} ${path}`, credentials);
    });
  }

  it('answers a body that is not JSON, on a route outside the API, with 400 invalidJson', async () => {
    const { target, credentials } = withCredentials('/healthz');
    const answer = await send(herald.port, 'POST', target, { body: '{not json', headers: { 'content-type': 'application/json' } });
    assertHeraldError(answer, 400, 'The request body is not valid JSON', credentials);
  });

  it('answers a body of a type no route reads with 415', async () => {
    const { target, credentials } = withCredentials('/nope');
    const answer = await send(herald.port, 'POST', target, { body: 'x', headers: { 'content-type': 'not a media type' } });
    assertHeraldError(answer, 415, 'Content-Type must be application/json', credentials);
  });

  it('answers a URL that is not validly percent-encoded with 400', async () => {
    for (const path of ['/%zz', `/apps/${APP.id}/channels/%zz`]) {
      const { target, credentials } = withCredentials(path);
      assertHeraldError(await send(herald.port, 'GET', target), 400, 'The URL is not validly percent-encoded', [...credentials, '%zz']);
    }
  });

  it('answers a path segment over the router limit with 414', async () => {
    const { target, credentials } = withCredentials(`/apps/${APP.id}/channels/${'a'.repeat(1200)}`);
    assertHeraldError(await send(herald.port, 'GET', target), 414, 'A segment of the path is too long', [...credentials, 'a'.repeat(1200)]);
  });

  it('answers a plain HTTP GET of the WebSocket path with 404 and a reason', async () => {
    const { target, credentials } = withCredentials(`/app/${APP.key}`);
    assertHeraldError(await send(herald.port, 'GET', target), 404, 'Not found: /app/:key takes WebSocket connections only', credentials);
  });

  it('answers headers over Node’s limit with 431', async () => {
    const { target, credentials } = withCredentials('/healthz');
    const answer = await sendRaw(herald.port, `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`);
    assertHeraldError(answer, 431, 'Request headers too large', credentials);
  });

  it('answers a request Node’s HTTP parser refuses with 400', async () => {
    const { target, credentials } = withCredentials('/healthz');
    const answer = await sendRaw(herald.port, `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nnot a header line\r\n\r\n`);
    assertHeraldError(answer, 400, 'The HTTP request is malformed', credentials);
  });

  it('still serves the routes that exist', async () => {
    const health = await send(herald.port, 'GET', '/healthz');
    assert.deepEqual([health.status, JSON.parse(health.body)], [200, { status: 'ok' }]);
  });
});
