/**
 * pusher-js's browser build in headless Chromium against embedded Herald: the page signs in,
 * subscribes to public, private and presence channels through the app's own auth endpoints
 * (signed by the `pusher` server SDK, as a real app does), receives events published
 * through the HTTP API and exchanges client events with a Node client.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type Browser, chromium, type Page } from 'playwright-core';
import type PusherJs from 'pusher-js';
import { connectedClient, nextEvent, serverSdk, subscribed } from '../helpers/pusher-clients';
import { startTestHerald, type TestHerald } from '../helpers/test-herald';

const PUSHER_JS_BROWSER_BUILD = require.resolve('pusher-js/dist/web/pusher.min.js');

/** The app's side: the page, pusher-js, and the auth endpoints an app would serve. */
function startAppServer(herald: TestHerald): Promise<Server> {
  const app = herald.apps[0];
  const sdk = serverSdk({ port: herald.port }, app);
  const page = `<!doctype html><meta charset="utf-8"><title>Herald in a browser</title>
<script src="/pusher.min.js"></script>
<script>
  window.seen = [];
  const pusher = new Pusher(${JSON.stringify(app.key)}, {
    wsHost: '127.0.0.1', wsPort: ${herald.port}, forceTLS: false, enabledTransports: ['ws'], cluster: 'mt1',
    channelAuthorization: { endpoint: '/pusher/auth' },
    userAuthentication: { endpoint: '/pusher/user-auth' },
  });
  window.pusher = pusher;
  pusher.connection.bind('connected', () => { window.socketId = pusher.connection.socket_id; });
  pusher.signin();
  pusher.user.bind('note', (data) => window.seen.push({ event: 'user:note', data }));
  for (const name of ['news', 'private-room', 'presence-lobby']) {
    const channel = pusher.subscribe(name);
    channel.bind('pusher:subscription_succeeded', () => window.seen.push({ event: 'subscribed', channel: name }));
    channel.bind_global((event, data) => { if (!event.startsWith('pusher')) window.seen.push({ event, channel: name, data }); });
  }
</script>`;
  const server = createServer((request, response) => {
    const send = (status: number, type: string, body: string) => response.writeHead(status, { 'content-type': type }).end(body);
    if (request.method === 'GET' && request.url === '/') return send(200, 'text/html', page);
    if (request.method === 'GET' && request.url === '/pusher.min.js') return send(200, 'text/javascript', readFileSync(PUSHER_JS_BROWSER_BUILD, 'utf8'));
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const form = new URLSearchParams(body);
      const socketId = form.get('socket_id') ?? '';
      if (request.url === '/pusher/auth') {
        const channel = form.get('channel_name') ?? '';
        const presence = channel.startsWith('presence-') ? { user_id: 'browser-user', user_info: { agent: 'chromium' } } : undefined;
        return send(200, 'application/json', JSON.stringify(sdk.authorizeChannel(socketId, channel, presence)));
      }
      if (request.url === '/pusher/user-auth') {
        return send(200, 'application/json', JSON.stringify(sdk.authenticateUser(socketId, { id: 'browser-user' })));
      }
      send(404, 'text/plain', 'not found');
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe('pusher-js in headless Chromium', () => {
  let herald: TestHerald;
  let appServer: Server;
  let browser: Browser;
  let page: Page;
  let node: PusherJs | undefined;

  before(async () => {
    herald = await startTestHerald();
    appServer = await startAppServer(herald);
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true });
    page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${(appServer.address() as AddressInfo).port}/`);
    await page.waitForFunction(() => (globalThis as unknown as { seen: Array<{ event: string }> }).seen.filter((s) => s.event === 'subscribed').length === 3);
  });
  after(async () => {
    node?.disconnect();
    await browser?.close();
    appServer?.close();
    await herald?.stop();
  });

  const seen = () => page.evaluate(() => (globalThis as unknown as { seen: unknown[] }).seen);

  it('receives events published through the HTTP API on public, private and presence channels, and to its user', async () => {
    const sdk = serverSdk({ port: herald.port }, herald.apps[0]);
    await sdk.trigger(['news', 'private-room', 'presence-lobby'], 'headline', { text: 'hello browser' });
    await sdk.sendToUser('browser-user', 'note', { n: 1 });
    await page.waitForFunction(() => (globalThis as unknown as { seen: Array<{ event: string }> }).seen.filter((s) => s.event !== 'subscribed').length >= 4);
    const events = (await seen()).filter((s) => (s as { event: string }).event !== 'subscribed');
    assert.deepEqual(
      new Set(events.map((e) => JSON.stringify(e))),
      new Set(
        [
          { event: 'headline', channel: 'news', data: { text: 'hello browser' } },
          { event: 'headline', channel: 'private-room', data: { text: 'hello browser' } },
          { event: 'headline', channel: 'presence-lobby', data: { text: 'hello browser' } },
          { event: 'user:note', data: { n: 1 } },
        ].map((e) => JSON.stringify(e)),
      ),
    );
  });

  it('shows up as a presence member and exchanges client events with a Node client', async () => {
    const app = herald.apps[0];
    node = await connectedClient({ port: herald.port }, app, { user: { id: 'node-user', info: { agent: 'node' } } });
    const lobby = await subscribed(node, 'presence-lobby');
    const members = (lobby as unknown as { members: { members: Record<string, unknown> } }).members.members;
    assert.deepEqual(members['browser-user'], { agent: 'chromium' });

    const fromBrowser = nextEvent(lobby, 'client-wave');
    await page.evaluate(() => (globalThis as unknown as { pusher: PusherJs }).pusher.channel('presence-lobby').trigger('client-wave', { from: 'chromium' }));
    assert.deepEqual(await fromBrowser, { from: 'chromium' });

    lobby.trigger('client-reply', { from: 'node' });
    await page.waitForFunction(() => (globalThis as unknown as { seen: Array<{ event: string }> }).seen.some((s) => s.event === 'client-reply'));
    const reply = (await seen()).find((s) => (s as { event: string }).event === 'client-reply');
    assert.deepEqual(reply, { event: 'client-reply', channel: 'presence-lobby', data: { from: 'node' } });
  });
});
