/**
 * The official Java client, com.pusher:pusher-java-client (pinned in test/sdks/java/pom.xml):
 * the library the Android SDK is built on. It connects through a TCP proxy standing in for a
 * load balancer, authorises with its own HTTP authorizers against an app's auth endpoint
 * (signed by the `pusher` SDK), and meets pusher-js on the same channels. Embedded, then in
 * cluster mode (the Java client on one gateway process, events through the api process).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type Pusher from 'pusher';
import type PusherJs from 'pusher-js';
import type { PresenceChannel } from 'pusher-js';
import { type AuthEndpoint, startAuthEndpoint } from '../helpers/auth-endpoint';
import { connectedClient, nextEvent, serverSdk, subscribed } from '../helpers/pusher-clients';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy';
import type { TestApp } from '../helpers/test-herald';
import { waitFor } from '../helpers/wait';
import type { DriverEvent, DriverProcess } from './driver-process';
import { type HeraldTarget, type Mode, startHeraldTarget } from './herald-target';
import { JAVA_CLIENT, startDriver } from './sdk-drivers';

const MASTER_KEY = randomBytes(32).toString('base64');
const APP: TestApp = { id: '4244', key: 'java-key', secret: 'java-secret', clientEvents: true };
const USER = 'java-user';

for (const mode of ['embedded', 'cluster'] as const) describeMode(mode);

function describeMode(mode: Mode): void {
  describe(`java client SDK against Herald (${mode})`, () => {
    let target: HeraldTarget;
    let proxy: TcpProxy;
    let auth: AuthEndpoint;
    let signer: Pusher;
    let java: DriverProcess;
    const browsers: PusherJs[] = [];

    before(async () => {
      target = await startHeraldTarget(mode, [APP]);
      proxy = await startTcpProxy(target.ws.port);
      signer = serverSdk(target.api, APP, { encryptionMasterKeyBase64: MASTER_KEY });
      auth = await startAuthEndpoint(signer, (id) => ({ name: id.toUpperCase(), platform: id === USER ? 'android' : 'web' }));
      java = await startDriver(JAVA_CLIENT, { port: proxy.port }, APP);
    });
    after(async () => {
      for (const b of browsers) b.disconnect();
      await java?.stop();
      await proxy?.close();
      await auth?.close();
      await target?.stop();
    });

    /** A pusher-js client (a browser user) on the same gateway, authorised by the `pusher` SDK. */
    async function browser(userId: string): Promise<PusherJs> {
      const b = await connectedClient(target.ws, APP, { user: { id: userId, info: { name: userId.toUpperCase(), platform: 'web' } } });
      browsers.push(b);
      return b;
    }

    /** One operation: one test, one line of output. */
    function operation(name: string, body: () => Promise<void>): void {
      it(name, async () => {
        try {
          await body();
        } catch (err) {
          process.stdout.write(`[sdk] ${java?.label ?? 'java client'} (${mode}) ${name}: FAILED\n`);
          throw err;
        }
        process.stdout.write(`[sdk] ${java.label} (${mode}) ${name}: ok\n`);
      });
    }

    const message = (channel: string, name: string) => (e: DriverEvent) => e.event === 'message' && e.channel === channel && e.name === name;

    operation('connect', async () => {
      const connected = await java.call<{ socket_id: string }>('connect', {
        auth_endpoint: auth.channelAuthUrl,
        user_auth_endpoint: auth.userAuthUrl,
        auth_params: { user_id: USER },
      });
      assert.match(connected.socket_id, /^\d+\.\d+$/);
      await java.nextEvent((e) => e.event === 'state' && e.state === 'CONNECTED', 'a CONNECTED state event');
    });

    operation('public channel: subscribe and receive an event', async () => {
      await java.call('subscribe', { channel: 'java-news' });
      await java.call('bind', { channel: 'java-news', event: 'headline' });
      const since = java.events.length;
      await signer.trigger('java-news', 'headline', { title: 'from node', n: 1 });
      const got = await java.nextEvent(message('java-news', 'headline'), 'headline on java-news', 5000, since);
      assert.deepEqual(JSON.parse(String(got.data)), { title: 'from node', n: 1 });
    });

    operation('private channel: its HttpChannelAuthorizer, then an event', async () => {
      await java.call('subscribe', { channel: 'private-java-inbox' });
      const request = auth.requests.find((r) => r.form.channel_name === 'private-java-inbox');
      assert.match(request?.form.socket_id ?? '', /^\d+\.\d+$/, 'the authorizer posted the socket id and channel name');
      await java.call('bind', { channel: 'private-java-inbox', event: 'mail' });
      const since = java.events.length;
      await signer.trigger('private-java-inbox', 'mail', { subject: 'hi' });
      const got = await java.nextEvent(message('private-java-inbox', 'mail'), 'mail on private-java-inbox', 5000, since);
      assert.deepEqual(JSON.parse(String(got.data)), { subject: 'hi' });
    });

    operation('private-encrypted channel: decrypts what the server SDK encrypted', async () => {
      await java.call('subscribe', { channel: 'private-encrypted-java-vault' });
      await java.call('bind', { channel: 'private-encrypted-java-vault', event: 'sealed' });
      const since = java.events.length;
      await signer.trigger('private-encrypted-java-vault', 'sealed', { pin: '4321' });
      const got = await java.nextEvent(message('private-encrypted-java-vault', 'sealed'), 'sealed on private-encrypted-java-vault', 5000, since);
      assert.deepEqual(JSON.parse(String(got.data)), { pin: '4321' });
    });

    operation('presence channel: members, member_added and member_removed', async () => {
      await java.call('subscribe', { channel: 'presence-java-room' });
      const initial = await java.call<{ members: Array<{ id: string; info: unknown }>; me: string }>('presence_members', { channel: 'presence-java-room' });
      assert.equal(initial.me, USER);
      assert.deepEqual(
        initial.members.map((m) => m.id),
        [USER],
      );
      assert.deepEqual(infoOf(initial.members[0].info), { name: 'JAVA-USER', platform: 'android' });

      const since = java.events.length;
      const web = await browser('web-user');
      const room = await subscribed<PresenceChannel>(web, 'presence-java-room');
      assert.deepEqual(infoOf(room.members.get(USER)?.info), { name: 'JAVA-USER', platform: 'android' }, 'pusher-js sees the Java member');
      const added = await java.nextEvent((e) => e.event === 'member_added' && e.channel === 'presence-java-room', 'member_added', 5000, since);
      assert.equal(added.user_id, 'web-user');
      assert.deepEqual(infoOf(added.user_info), { name: 'WEB-USER', platform: 'web' });
      const members = await java.call<{ members: Array<{ id: string }> }>('presence_members', { channel: 'presence-java-room' });
      assert.deepEqual(members.members.map((m) => m.id).sort(), [USER, 'web-user']);

      web.unsubscribe('presence-java-room');
      const removed = await java.nextEvent((e) => e.event === 'member_removed' && e.channel === 'presence-java-room', 'member_removed', 5000, since);
      assert.equal(removed.user_id, 'web-user');
    });

    operation('client events: Java to pusher-js and back', async () => {
      const web = await browser('web-chatter');
      const room = await subscribed<PresenceChannel>(web, 'presence-java-room');
      const typing = nextEvent<{ text: string }>(room, 'client-typing');
      const typingMeta = new Promise<{ user_id?: string }>((resolve) => room.bind('client-typing', (_d: unknown, meta: { user_id?: string }) => resolve(meta)));
      await java.call('trigger_client_event', { channel: 'presence-java-room', event: 'client-typing', data: JSON.stringify({ text: 'from android' }) });
      assert.deepEqual(await typing, { text: 'from android' });
      assert.equal((await typingMeta).user_id, USER, "Herald added the sender's user_id on a presence channel");

      await java.call('bind', { channel: 'presence-java-room', event: 'client-reply' });
      const since = java.events.length;
      room.trigger('client-reply', { text: 'from the browser' });
      const got = await java.nextEvent(message('presence-java-room', 'client-reply'), 'client-reply at the Java client', 5000, since);
      assert.deepEqual(JSON.parse(String(got.data)), { text: 'from the browser' });
      assert.equal(got.user_id, 'web-chatter');
    });

    operation('pusher:signin and a server-to-user event', async () => {
      await java.call('signin');
      assert.ok(
        auth.requests.some((r) => r.path === '/pusher/user-auth'),
        'its HttpUserAuthenticator called the user auth endpoint',
      );
      await java.call('bind_user_event', { event: 'invoice' });
      const since = java.events.length;
      await signer.sendToUser(USER, 'invoice', { total: 42 });
      const got = await java.nextEvent((e) => e.event === 'user_message' && e.name === 'invoice', 'the server-to-user event', 5000, since);
      assert.deepEqual(JSON.parse(String(got.data)), { total: 42 });
    });

    operation('reconnects and resubscribes after a 4200 drain', async () => {
      // A rolling restart: the load balancer sends new connections to the replacement, then
      // the old gateway drains, telling each client to reconnect now (4200).
      const replacement = await target.startReplacement();
      proxy.retarget(replacement.ws.port);
      const oldSocket = (await java.nextEvent((e) => e.event === 'state' && e.state === 'CONNECTED', 'the current connection')).socket_id;
      const since = java.events.length;
      await target.drainOriginal();
      const error = await java.nextEvent((e) => e.event === 'error' || (e.event === 'state' && e.state === 'DISCONNECTED'), 'the drain to reach the client', 10_000, since);
      if (error.event === 'error' && error.code !== undefined) assert.equal(error.code, 4200);
      const reconnected = await java.nextEvent((e) => e.event === 'state' && e.state === 'CONNECTED', 'the client to reconnect by itself', 15_000, since);
      assert.notEqual(reconnected.socket_id, oldSocket, 'a new connection');

      // It resubscribed on its own: an event published through the replacement's API arrives.
      const replacementSigner = serverSdk(replacement.api, APP);
      const afterReconnect = java.events.length;
      await waitFor(
        async () => {
          await replacementSigner.trigger('java-news', 'headline', { after: 'drain' });
          return java.events.slice(afterReconnect).some(message('java-news', 'headline'));
        },
        'an event on java-news after the reconnect',
        10_000,
        250,
      );
    });
  });
}

/** Presence info as the Java SDK hands it back (an object, or its JSON text). */
function infoOf(info: unknown): unknown {
  return typeof info === 'string' ? JSON.parse(info) : info;
}
