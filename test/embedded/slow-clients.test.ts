/**
 * Slow HTTP clients (slowloris): a connection that trickles its headers, or its body, is
 * closed once HERALD_HTTP_HEADERS_TIMEOUT_MS / HERALD_HTTP_REQUEST_TIMEOUT_MS pass, and an
 * idle keep-alive connection after HERALD_HTTP_KEEP_ALIVE_TIMEOUT_MS. Meanwhile normal HTTP
 * clients and WebSockets are served, and a WebSocket, no longer an HTTP request once
 * upgraded, outlives every one of those timeouts.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type PusherJs from 'pusher-js';
import { connectedClient, nextEvent, serverSdk, subscribed } from '../helpers/pusher-clients';
import { DEFAULT_TEST_APP, startTestHerald, type TestHerald } from '../helpers/test-herald';
import { waitFor, within } from '../helpers/wait';

const HEADERS_TIMEOUT_MS = 1000;
const REQUEST_TIMEOUT_MS = 2000;
const KEEP_ALIVE_TIMEOUT_MS = 1500;
/** Long enough for any of the timeouts above and Node's check of them, with room for a busy machine. */
const CLOSED_WITHIN_MS = 20_000;

interface SlowClient {
  readonly socket: Socket;
  /** What the server sent before it closed. */
  received: string;
  readonly closed: Promise<void>;
  stop(): void;
}

/** Opens a connection, writes `first`, then one more `trickle` every 200 ms (at most 200 times) until the server closes it. */
async function slowClient(port: number, first: string, trickle: string): Promise<SlowClient> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.write(first);
  let sent = 0;
  const timer = setInterval(() => {
    if (++sent > 200 || socket.destroyed) return clearInterval(timer);
    socket.write(trickle);
  }, 200);
  const client: SlowClient = {
    socket,
    received: '',
    closed: new Promise<void>((resolve) => socket.once('close', () => resolve())),
    stop: () => {
      clearInterval(timer);
      socket.destroy();
    },
  };
  socket.on('data', (chunk: Buffer) => {
    client.received += chunk.toString('latin1');
  });
  socket.on('error', () => {});
  void client.closed.then(() => clearInterval(timer));
  return client;
}

describe('slow HTTP clients', () => {
  let herald: TestHerald;
  const held: SlowClient[] = [];
  let websocket: PusherJs;
  before(async () => {
    herald = await startTestHerald({
      env: {
        HERALD_HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
        HERALD_HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
        HERALD_HTTP_KEEP_ALIVE_TIMEOUT_MS: String(KEEP_ALIVE_TIMEOUT_MS),
      },
    });
    websocket = await connectedClient(herald, DEFAULT_TEST_APP);
  });
  after(async () => {
    for (const c of held) c.stop();
    websocket.disconnect();
    await herald.stop();
  });

  it('closes 150 connections that trickle their headers, with 408, while serving HTTP and WebSocket clients; a WebSocket outlives the timeouts', async () => {
    const started = Date.now();
    const slow = await Promise.all(Array.from({ length: 150 }, () => slowClient(herald.port, 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n', 'X-Slow: 1\r\n')));
    held.push(...slow);

    // While they are held: a normal request and a new WebSocket are served.
    assert.equal((await fetch(`${herald.httpUrl}/healthz`)).status, 200);
    const fresh = await connectedClient(herald, DEFAULT_TEST_APP);
    fresh.disconnect();

    await waitFor(() => slow.every((c) => c.socket.destroyed), 'every slow connection to be closed', CLOSED_WITHIN_MS, 100);
    assert.ok(Date.now() - started >= HEADERS_TIMEOUT_MS, 'not before the headers timeout');
    for (const c of slow) assert.match(c.received, /^HTTP\/1\.1 408 Request Timeout\r\n/);

    // The WebSocket opened before them is still open and still gets events.
    assert.equal(websocket.connection.state, 'connected');
    const channel = await subscribed(websocket, 'after-slowloris');
    const event = nextEvent(channel, 'still-open');
    await serverSdk(herald, DEFAULT_TEST_APP).trigger('after-slowloris', 'still-open', {});
    assert.deepEqual(await event, {});
  });

  it('closes a connection that trickles its body past the request timeout, with 408', async () => {
    const path = `/apps/${DEFAULT_TEST_APP.id}/events`;
    const started = Date.now();
    const slow = await slowClient(herald.port, `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{`, ' ');
    held.push(slow);
    await waitFor(() => slow.socket.destroyed, 'the slow body to be cut off', CLOSED_WITHIN_MS, 100);
    assert.ok(Date.now() - started >= REQUEST_TIMEOUT_MS, 'not before the request timeout');
    assert.match(slow.received, /^HTTP\/1\.1 408 Request Timeout\r\n/);
  });

  it('closes an idle keep-alive connection after the keep-alive timeout, and not before', async () => {
    const socket = connect(herald.port, '127.0.0.1');
    await once(socket, 'connect');
    socket.on('error', () => {});
    const closed = once(socket, 'close');
    let answered = 0;
    let answeredAt = 0;
    socket.on('data', (chunk: Buffer) => {
      if (chunk.toString('latin1').startsWith('HTTP/1.1 200')) {
        answered++;
        answeredAt = Date.now();
      }
    });
    socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n');
    await within(closed, 'the idle connection to be closed', CLOSED_WITHIN_MS);
    assert.equal(answered, 1);
    assert.ok(Date.now() - answeredAt >= KEEP_ALIVE_TIMEOUT_MS - 50, `closed ${Date.now() - answeredAt} ms after the answer`);
  });
});
