// Shared by every Herald k6 script: configuration from the environment, the Pusher HTTP API
// signature (k6/crypto), channel auth signed with the app secret exactly as an app's auth
// endpoint would, and a small Pusher protocol v7 client on k6's WebSocket API.
//
// Needs k6 >= 1.0 (k6/websockets). On older k6 (0.4x–0.5x), change the import below to
// 'k6/experimental/websockets' — the API is the same.
import crypto from 'k6/crypto';
import http from 'k6/http';
import { WebSocket } from 'k6/websockets';

function env(name, fallback) {
  const value = __ENV[name];
  return value === undefined || value === '' ? fallback : value;
}

export function envInt(name, fallback) {
  const value = Number(env(name, String(fallback)));
  if (!Number.isFinite(value)) throw new Error(`${name} must be a number, got ${__ENV[name]}`);
  return value;
}

const wsUrl = env('WS_URL', 'ws://127.0.0.1:6001').replace(/\/+$/, '');

export const config = {
  /** ws:// or wss:// base of the gateways (a load balancer in front of them in a cluster). */
  wsUrl,
  /** http(s):// base of the api service; defaults to the WebSocket host. */
  apiUrl: env('API_URL', wsUrl.replace(/^ws/, 'http')).replace(/\/+$/, ''),
  appId: env('APP_ID', '1'),
  key: env('APP_KEY', 'app-key'),
  secret: env('APP_SECRET', 'app-secret'),
  payloadBytes: envInt('PAYLOAD_BYTES', 100),
};

function socketUrl() {
  return `${config.wsUrl}/app/${config.key}?protocol=7&client=k6-herald&version=1.0&flash=false`;
}

/**
 * The Pusher HTTP API signature: HMAC-SHA256 (hex) over "POST\n<path>\n<sorted query>",
 * where the query holds auth_key, auth_timestamp, auth_version and body_md5 (MD5 of the body).
 */
function signedUrl(path, body) {
  const params = {
    auth_key: config.key,
    auth_timestamp: String(Math.floor(Date.now() / 1000)),
    auth_version: '1.0',
    body_md5: crypto.md5(body, 'hex'),
  };
  const query = Object.keys(params)
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
  const signature = crypto.hmac('sha256', config.secret, `POST\n${path}\n${query}`, 'hex');
  return `${config.apiUrl}${path}?${query}&auth_signature=${signature}`;
}

/** POST /apps/:id/events — one event on one channel. */
export function trigger(channel, name, data, tags) {
  const path = `/apps/${config.appId}/events`;
  const body = JSON.stringify({ name, channel, data });
  return http.post(signedUrl(path, body), body, { headers: { 'Content-Type': 'application/json' }, tags });
}

/** Channel auth for private-/presence- channels: "<key>:<hex HMAC-SHA256 of socket_id:channel[:channel_data]>". */
export function channelAuth(socketId, channel, channelData) {
  const message = channelData === undefined ? `${socketId}:${channel}` : `${socketId}:${channel}:${channelData}`;
  return `${config.key}:${crypto.hmac('sha256', config.secret, message, 'hex')}`;
}

/** Event data carrying its send time and a sequence number, padded to `bytes`. */
export function timestampedData(seq, bytes) {
  const head = `{"t":${Date.now()},"s":${seq},"p":"`;
  const padding = Math.max(0, bytes - head.length - 2);
  return `${head}${'x'.repeat(padding)}"}`;
}

/** The data of a Pusher frame as an object (channel events carry it as a JSON string). */
export function frameData(frame) {
  if (typeof frame.data !== 'string') return frame.data || {};
  try {
    return JSON.parse(frame.data);
  } catch (_e) {
    return {};
  }
}

/**
 * One Pusher connection. Handlers (all optional):
 *   established(client)                 pusher:connection_established (client.socketId is set)
 *   subscribed(client, channel, data)   pusher_internal:subscription_succeeded
 *   subscriptionError(client, channel)  pusher:subscription_error
 *   event(client, frame)                any other event (channel events, client events, member_added …)
 *   error(client, code)                 pusher:error, or code 'ws' for a WebSocket error
 *   closed(client)
 */
export class PusherClient {
  constructor(handlers) {
    this.handlers = handlers;
    this.socketId = null;
    this.openedAt = Date.now();
    this.closing = false;
    this.ws = new WebSocket(socketUrl());
    this.ws.addEventListener('message', (e) => this.onMessage(e.data));
    this.ws.addEventListener('error', () => this.call('error', 'ws'));
    this.ws.addEventListener('close', () => this.call('closed'));
  }

  call(name, ...args) {
    const handler = this.handlers[name];
    if (handler) handler(this, ...args);
  }

  send(frame) {
    this.ws.send(JSON.stringify(frame));
  }

  subscribe(channel, auth, channelData) {
    const data = { channel };
    if (auth !== undefined) data.auth = auth;
    if (channelData !== undefined) data.channel_data = channelData;
    this.send({ event: 'pusher:subscribe', data });
  }

  unsubscribe(channel) {
    this.send({ event: 'pusher:unsubscribe', data: { channel } });
  }

  /** A client event; `dataJson` is sent as the data object itself, as pusher-js does. */
  sendClientEvent(channel, event, dataJson) {
    this.ws.send(`{"event":${JSON.stringify(event)},"channel":${JSON.stringify(channel)},"data":${dataJson}}`);
  }

  close() {
    this.closing = true;
    this.ws.close();
  }

  onMessage(raw) {
    let frame;
    try {
      frame = JSON.parse(raw);
    } catch (_e) {
      return;
    }
    switch (frame.event) {
      case 'pusher:connection_established':
        this.socketId = frameData(frame).socket_id;
        return this.call('established');
      case 'pusher:ping':
        return this.send({ event: 'pusher:pong', data: {} });
      case 'pusher_internal:subscription_succeeded':
        return this.call('subscribed', frame.channel, frameData(frame));
      case 'pusher:subscription_error':
        return this.call('subscriptionError', frame.channel);
      case 'pusher:error':
        return this.call('error', String(frameData(frame).code));
      default:
        return this.call('event', frame);
    }
  }
}
