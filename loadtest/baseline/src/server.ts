/**
 * The yardstick: the leanest honest Node + `ws` server for the subset of Pusher that the
 * benchmark exercises — `/app/:key` with pusher:connection_established, public-channel
 * subscribe/unsubscribe, pusher:ping/pong, WebSocket pings for silent sockets, and a
 * signature-checked `POST /apps/:id/events` that validates like Pusher and fans out with the
 * event serialised and framed once per channel (the same WebSocket frame Buffer written to
 * every subscriber's socket). Slow readers are cut off when their buffered bytes pass a limit,
 * as Herald must do.
 *
 * Honest means: nothing Herald could not also do. No skipped signature or body_md5 check, no
 * skipped validation, no cached frames across publishes, no compression tricks.
 */
import { randomInt } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { serverTextFrame } from '../../../services/core/src/protocol/websocket-frame';
import { apiAuthProblem } from '../../../services/core/src/signing/api-request';

export interface BaselineOptions {
  readonly host?: string;
  readonly port?: number;
  readonly appId?: string;
  readonly key?: string;
  readonly secret?: string;
  readonly activityTimeoutSeconds?: number;
  readonly maxBufferedBytes?: number;
}

export interface RunningBaseline {
  readonly port: number;
  readonly server: Server;
  close(): Promise<void>;
}

interface Client {
  readonly ws: WebSocket;
  /** The upgraded TCP socket, for fan-out's pre-framed writes (ws has no compression here, so it never queues). */
  readonly socket: Socket;
  readonly socketId: string;
  readonly channels: Set<string>;
  lastSeenAt: number;
  pingedAt: number;
}

const CHANNEL_NAME = /^[A-Za-z0-9_\-=@,.;]{1,200}$/;
const MAX_EVENT_NAME = 200;
const MAX_DATA_BYTES = 10 * 1024;
const MAX_CHANNELS_PER_TRIGGER = 100;
const MAX_BODY_BYTES = 1024 * 1024;
const MAX_SKEW_SECONDS = 600;

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function socketId(): string {
  return `${randomInt(1, 2 ** 40)}.${randomInt(1, 2 ** 40)}`;
}

export function startBaseline(options: BaselineOptions = {}): Promise<RunningBaseline> {
  const appId = options.appId ?? '1';
  const key = options.key ?? 'app-key';
  const secret = options.secret ?? 'app-secret';
  const activityTimeout = options.activityTimeoutSeconds ?? 120;
  const maxBuffered = options.maxBufferedBytes ?? 4 * 1024 * 1024;
  const channels = new Map<string, Set<Client>>();
  const clients = new Set<Client>();

  const leave = (client: Client, channel: string) => {
    const members = channels.get(channel);
    if (!members) return;
    members.delete(client);
    if (members.size === 0) channels.delete(channel);
  };

  const onFrame = (client: Client, raw: WebSocket.RawData) => {
    client.lastSeenAt = Date.now();
    let frame: { event?: unknown; data?: { channel?: unknown } };
    try {
      frame = JSON.parse(raw.toString());
    } catch {
      return client.ws.send('{"event":"pusher:error","data":{"code":null,"message":"Invalid JSON"}}');
    }
    switch (frame.event) {
      case 'pusher:ping':
        return client.ws.send('{"event":"pusher:pong","data":"{}"}');
      case 'pusher:subscribe': {
        const channel = frame.data?.channel;
        if (typeof channel !== 'string' || !CHANNEL_NAME.test(channel)) {
          return client.ws.send(JSON.stringify({ event: 'pusher:error', data: { code: 4301, message: 'Invalid channel name' } }));
        }
        if (channel.startsWith('private-') || channel.startsWith('presence-')) {
          const data = { type: 'AuthError', error: 'The baseline serves public channels only', status: 403 };
          return client.ws.send(JSON.stringify({ event: 'pusher:subscription_error', channel, data }));
        }
        client.channels.add(channel);
        let members = channels.get(channel);
        if (!members) {
          members = new Set();
          channels.set(channel, members);
        }
        members.add(client);
        return client.ws.send(JSON.stringify({ event: 'pusher_internal:subscription_succeeded', channel, data: '{}' }));
      }
      case 'pusher:unsubscribe': {
        const channel = frame.data?.channel;
        if (typeof channel === 'string' && client.channels.delete(channel)) leave(client, channel);
        return;
      }
      default:
        return;
    }
  };

  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 64 * 1024, clientTracking: false });

  const onConnection = (ws: WebSocket, request: IncomingMessage, socket: Socket) => {
    const url = new URL(request.url ?? '/', 'http://baseline');
    if (url.pathname !== `/app/${key}`) {
      ws.send(JSON.stringify({ event: 'pusher:error', data: { code: 4001, message: 'App key not in this cluster' } }));
      return ws.close(4001, 'App key not in this cluster');
    }
    if (url.searchParams.get('protocol') !== '7') {
      ws.send(JSON.stringify({ event: 'pusher:error', data: { code: 4007, message: 'Unsupported protocol version' } }));
      return ws.close(4007, 'Unsupported protocol version');
    }
    const client: Client = { ws, socket, socketId: socketId(), channels: new Set(), lastSeenAt: Date.now(), pingedAt: 0 };
    clients.add(client);
    ws.on('message', (raw) => onFrame(client, raw));
    ws.on('pong', () => {
      client.lastSeenAt = Date.now();
    });
    ws.on('error', () => ws.terminate());
    ws.on('close', () => {
      clients.delete(client);
      for (const channel of client.channels) leave(client, channel);
    });
    const established = JSON.stringify({ socket_id: client.socketId, activity_timeout: activityTimeout });
    ws.send(JSON.stringify({ event: 'pusher:connection_established', data: established }));
  };

  /** The fan-out loop: one WebSocket frame Buffer per channel, written to every subscriber's socket as is. */
  const publish = (channelNames: string[], name: string, data: string, excludeSocketId: string | undefined) => {
    for (const channel of channelNames) {
      const members = channels.get(channel);
      if (!members) continue;
      const frame = serverTextFrame(JSON.stringify({ event: name, channel, data }));
      for (const client of members) {
        if (client.socketId === excludeSocketId || client.ws.readyState !== WebSocket.OPEN) continue;
        if (client.ws.bufferedAmount > maxBuffered) {
          client.ws.terminate();
          continue;
        }
        client.socket.write(frame);
      }
    }
  };

  const onTrigger = (res: ServerResponse, url: URL, rawBody: string) => {
    const params: Record<string, string> = {};
    for (const [k, v] of url.searchParams) params[k] = v;
    const problem = apiAuthProblem({
      method: 'POST',
      path: url.pathname,
      params,
      rawBody,
      key,
      secret,
      nowSeconds: Math.floor(Date.now() / 1000),
      maxSkewSeconds: MAX_SKEW_SECONDS,
    });
    if (problem) return json(res, 401, { error: problem.reason });
    let body: { name?: unknown; data?: unknown; channel?: unknown; channels?: unknown; socket_id?: unknown };
    try {
      body = JSON.parse(rawBody);
    } catch {
      return json(res, 400, { error: 'Body is not JSON' });
    }
    const names = Array.isArray(body.channels) ? body.channels : body.channel !== undefined ? [body.channel] : [];
    if (typeof body.name !== 'string' || body.name.length === 0 || body.name.length > MAX_EVENT_NAME) return json(res, 400, { error: 'Invalid event name' });
    if (typeof body.data !== 'string') return json(res, 400, { error: '"data" must be a string' });
    if (Buffer.byteLength(body.data) > MAX_DATA_BYTES) return json(res, 413, { error: 'Payload too large' });
    if (names.length === 0 || names.length > MAX_CHANNELS_PER_TRIGGER) return json(res, 400, { error: 'Invalid number of channels' });
    if (!names.every((c): c is string => typeof c === 'string' && CHANNEL_NAME.test(c))) return json(res, 400, { error: 'Invalid channel name' });
    if (body.socket_id !== undefined && typeof body.socket_id !== 'string') return json(res, 400, { error: 'Invalid socket_id' });
    publish(names, body.name, body.data, body.socket_id);
    json(res, 200, {});
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://baseline');
    if (req.method === 'GET' && (url.pathname === '/readyz' || url.pathname === '/healthz')) return json(res, 200, { ok: true });
    if (req.method !== 'POST' || url.pathname !== `/apps/${appId}/events`) return json(res, 404, { error: 'Not found' });
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        json(res, 413, { error: 'Body too large' });
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (size <= MAX_BODY_BYTES) onTrigger(res, url, Buffer.concat(chunks).toString('utf8'));
    });
  });
  server.keepAliveTimeout = 65_000;
  server.on('upgrade', (request, socket, head) => {
    wss.handleUpgrade(request, socket, head, (ws) => onConnection(ws, request, socket as Socket));
  });

  // Silent sockets get a WebSocket ping each activity timeout; no pong by the next sweep: gone.
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const client of clients) {
      if (client.pingedAt > 0 && client.lastSeenAt < client.pingedAt) client.ws.terminate();
      else if (now - client.lastSeenAt >= activityTimeout * 1000) {
        client.pingedAt = now;
        client.ws.ping();
      } else client.pingedAt = 0;
    }
  }, activityTimeout * 1000);
  sweep.unref();

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      resolve({
        port: (server.address() as AddressInfo).port,
        server,
        close: () =>
          new Promise<void>((done) => {
            clearInterval(sweep);
            for (const client of clients) client.ws.terminate();
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
