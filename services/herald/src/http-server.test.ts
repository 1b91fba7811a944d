/**
 * The HTTP server every Herald listener uses: the front door it was created with (the api's
 * POST …/events endpoint) sees each request before fastify, and once the server starts
 * closing, every request — front door and fastify routes alike — gets the API's 503 with
 * `Connection: close`, what fastify's return503OnClosing gives its own routes.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { signedUrl } from '../../../test/helpers/signed-request';
import { Api, apiBodyLimit } from '../../api/src/api';
import { AppRegistry } from '../../core/src/apps/app-registry';
import { LocalBus } from '../../core/src/bus/local-bus';
import { subjects } from '../../core/src/bus/subjects';
import { systemClock } from '../../core/src/clock';
import { appSchema } from '../../core/src/config/app-schema';
import { BusEventJournal } from '../../core/src/journal/bus-event-journal';
import { createLogger } from '../../core/src/logging/logger';
import { MemoryCacheStore } from '../../core/src/stores/memory-cache-store';
import { tracingOff } from '../../core/src/tracing/tracing';
import { MemoryWebhookQueue } from '../../core/src/webhooks/memory-webhook-queue';
import { createHttpServer } from './http-server';

const APP = { id: 'closing-app', key: 'closing-key', secret: 'closing-secret' };
const EVENT = JSON.stringify({ name: 'e', channel: 'c', data: '{}' });

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** Sends one HTTP/1.1 request on a kept-alive socket and reads the answer (content-length framed). */
function exchange(socket: Socket, method: string, path: string, body = ''): Promise<Answer> {
  const answer = new Promise<Answer>((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer) => {
      text += chunk.toString('utf8');
      const headEnd = text.indexOf('\r\n\r\n');
      if (headEnd < 0) return;
      const [statusLine, ...lines] = text.slice(0, headEnd).split('\r\n');
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      const length = Number(headers['content-length']);
      if (text.length < headEnd + 4 + length) return;
      socket.off('data', onData);
      socket.off('close', onClose);
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: text.slice(headEnd + 4, headEnd + 4 + length) });
    };
    const onClose = () => reject(new Error('closed before an answer'));
    socket.on('data', onData);
    socket.once('close', onClose);
  });
  const head = `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
  socket.write(head + body);
  return answer;
}

describe('HTTP server', () => {
  const bus = new LocalBus();
  const published: string[] = [];
  let http: FastifyInstance;
  let port: number;
  const declined: string[] = [];
  /** Holds the server in its closing phase until the test lets it finish. */
  let closingStarted!: () => void;
  const closing = new Promise<void>((resolve) => (closingStarted = resolve));
  let finishClosing!: () => void;
  const mayFinish = new Promise<void>((resolve) => (finishClosing = resolve));

  before(async () => {
    const apps = new AppRegistry([appSchema.parse(APP)]);
    const logger = createLogger({ level: 'silent' });
    const api = new Api({
      apps,
      bus,
      journal: new BusEventJournal(bus),
      clock: systemClock,
      logger,
      tracing: tracingOff(),
      maxSkewSeconds: 600,
      busTimeoutMs: 1000,
      cache: new MemoryCacheStore(systemClock),
      deadLetters: new MemoryWebhookQueue(systemClock),
      bodyLimit: apiBodyLimit(apps),
    });
    http = createHttpServer({
      logger,
      bodyLimit: apiBodyLimit(apps),
      frontDoor: (request, response) => {
        if (api.eventsEndpoint(request, response)) return true;
        declined.push(request.url ?? '');
        return false;
      },
    });
    await api.register(http);
    http.get('/route', async () => ({ via: 'fastify' }));
    http.get('/broken', async () => {
      throw new Error('a bug');
    });
    http.addHook('preClose', async () => {
      closingStarted();
      await mayFinish;
    });
    bus.subscribe(subjects.channel(APP.id, 'c'), () => published.push('c'));
    await http.listen({ host: '127.0.0.1', port: 0 });
    port = (http.server.address() as { port: number }).port;
  });
  after(async () => {
    finishClosing();
    await http.close();
    await bus.close();
  });

  const eventsPath = () => {
    const url = new URL(signedUrl({ port }, APP, { method: 'POST', path: `/apps/${APP.id}/events`, body: EVENT }));
    return url.pathname + url.search;
  };
  async function keptAlive(): Promise<Socket> {
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    return socket;
  }

  it('offers each request to its front door first, and gives fastify what the front door declines', async () => {
    const socket = await keptAlive();
    try {
      const event = await exchange(socket, 'POST', eventsPath(), EVENT);
      assert.deepEqual([event.status, event.body], [200, '{}']);
      assert.deepEqual(declined, [], 'POST …/events never reached fastify');
      const route = await exchange(socket, 'GET', '/route');
      assert.deepEqual([route.status, route.body], [200, '{"via":"fastify"}']);
      assert.deepEqual(declined, ['/route']);
      assert.equal(published.length, 1);
    } finally {
      socket.destroy();
    }
  });

  it("answers a route's unexpected error with the API's 500, without the query's credentials", async () => {
    const socket = await keptAlive();
    try {
      const answer = await exchange(socket, 'GET', '/broken?auth_key=closing-key&auth_signature=0123456789abcdef');
      assert.equal(answer.status, 500);
      assert.match(answer.headers['content-type'], /^application\/json/);
      assert.deepEqual(JSON.parse(answer.body), { error: 'Internal server error' });
    } finally {
      socket.destroy();
    }
  });

  it("answers every request with 503 and Connection: close while closing, on the events endpoint and on fastify's routes", async () => {
    const [toEndpoint, toFastify] = [await keptAlive(), await keptAlive()];
    // Both connections are open and known to the server before it starts closing.
    assert.equal((await exchange(toEndpoint, 'GET', '/route')).status, 200);
    assert.equal((await exchange(toFastify, 'GET', '/route')).status, 200);
    const before = { published: published.length, declined: declined.length };
    const closed = http.close();
    await closing;

    for (const [socket, method, path, body] of [
      [toEndpoint, 'POST', eventsPath(), EVENT],
      [toFastify, 'GET', '/route', ''],
    ] as const) {
      const answer = await exchange(socket, method, path, body);
      assert.equal(answer.status, 503, `${method} ${path}`);
      assert.equal(answer.headers.connection, 'close');
      assert.match(answer.headers['content-type'], /^application\/json/);
      assert.deepEqual(JSON.parse(answer.body), { error: 'Server is shutting down' });
      await once(socket, 'close');
    }
    assert.deepEqual({ published: published.length, declined: declined.length }, before, 'neither the endpoint nor fastify handled them');
    finishClosing();
    await closed;
  });
});
