#!/usr/bin/env node
// One real round trip through a Herald cluster, as the Helm chart's `helm test` pod runs it:
// a WebSocket client connects to the gateway, subscribes to a private channel (so the gateway
// checks an auth signature made with the app's secret), an event is triggered through the
// signed HTTP API on the api, and the client must receive it. Exit 0 when it arrives, 1 on any
// failure (refused connection, refused subscription, non-200 answer, timeout).
//
// Only Node's built-ins and `ws` (a production dependency of Herald, so in the image).
// Settings, all required but the timeout:
//   ROUND_TRIP_WS_URL       ws://herald-gateway:6001
//   ROUND_TRIP_API_URL      http://herald-api:6002
//   ROUND_TRIP_APP_ID / ROUND_TRIP_APP_KEY / ROUND_TRIP_APP_SECRET
//   ROUND_TRIP_TIMEOUT_MS   30000
'use strict';
const crypto = require('node:crypto');
const WebSocket = require('ws');

function setting(name) {
  const value = process.env[name];
  if (!value) fail(`${name} is not set`);
  return value;
}

function fail(message) {
  process.stderr.write(`round-trip: FAILED: ${message}\n`);
  process.exit(1);
}

function step(message) {
  process.stdout.write(`round-trip: ${message}\n`);
}

const wsUrl = setting('ROUND_TRIP_WS_URL').replace(/\/+$/, '');
const apiUrl = setting('ROUND_TRIP_API_URL').replace(/\/+$/, '');
const appId = setting('ROUND_TRIP_APP_ID');
const appKey = setting('ROUND_TRIP_APP_KEY');
const appSecret = setting('ROUND_TRIP_APP_SECRET');
const timeoutMs = Number(process.env.ROUND_TRIP_TIMEOUT_MS ?? 30000);

const hmac = (text) => crypto.createHmac('sha256', appSecret).update(text).digest('hex');
const nonce = crypto.randomBytes(8).toString('hex');
const channel = `private-helm-test-${nonce}`;

setTimeout(() => fail(`no event within ${timeoutMs} ms`), timeoutMs).unref();

// Done when both have happened, in either order: the event can reach the socket before the
// api's 200 reaches us.
const done = { triggered: false, received: false };
function finishWhenDone() {
  if (!done.triggered || !done.received) return;
  step('OK');
  socket.removeAllListeners('close');
  socket.close();
  process.exit(0);
}

/** POST /apps/:id/events signed as Pusher's server SDKs sign it. */
async function trigger() {
  const path = `/apps/${appId}/events`;
  const body = JSON.stringify({ name: 'round-trip', channels: [channel], data: JSON.stringify({ nonce }) });
  const params = {
    auth_key: appKey,
    auth_timestamp: String(Math.floor(Date.now() / 1000)),
    auth_version: '1.0',
    body_md5: crypto.createHash('md5').update(body).digest('hex'),
  };
  const query = Object.keys(params)
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
  const signature = hmac(`POST\n${path}\n${query}`);
  const response = await fetch(`${apiUrl}${path}?${query}&auth_signature=${signature}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  const text = await response.text();
  if (response.status !== 200) fail(`POST ${path} answered ${response.status}: ${text}`);
  step(`triggered "round-trip" on ${channel} through ${apiUrl}: 200`);
  done.triggered = true;
  finishWhenDone();
}

const socket = new WebSocket(`${wsUrl}/app/${encodeURIComponent(appKey)}?protocol=7&client=herald-helm-test&version=1.0.0`);
socket.on('error', (err) => fail(`WebSocket ${wsUrl}: ${err.message}`));
socket.on('close', (code, reason) => fail(`WebSocket closed with ${code} ${reason}`));
socket.on('message', (raw) => {
  let frame;
  try {
    frame = JSON.parse(String(raw));
  } catch {
    return fail(`not JSON from the gateway: ${String(raw).slice(0, 200)}`);
  }
  const data = typeof frame.data === 'string' && frame.data.startsWith('{') ? JSON.parse(frame.data) : frame.data;
  switch (frame.event) {
    case 'pusher:connection_established': {
      step(`connected to ${wsUrl} as socket ${data.socket_id}`);
      const auth = `${appKey}:${hmac(`${data.socket_id}:${channel}`)}`;
      socket.send(JSON.stringify({ event: 'pusher:subscribe', data: { channel, auth } }));
      return;
    }
    case 'pusher_internal:subscription_succeeded':
      step(`subscribed to ${channel}`);
      return trigger().catch((err) => fail(`POST to ${apiUrl}: ${err.cause?.message ?? err.message}`));
    case 'pusher:subscription_error':
    case 'pusher:error':
      return fail(`${frame.event}: ${JSON.stringify(data)}`);
    case 'round-trip':
      if (frame.channel === channel && data?.nonce === nonce) {
        step('the event arrived');
        done.received = true;
        finishWhenDone();
      }
      return;
    default:
      return;
  }
});
