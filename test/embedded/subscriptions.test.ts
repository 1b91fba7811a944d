/**
 * Subscribing to every channel type with pusher-js (authorised by the `pusher` SDK, like an
 * app's auth endpoint), legal and illegal names, and refused authorisations that leave the
 * socket usable.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type PusherJs from 'pusher-js';
import { connectedClient, nextEvent, serverSdk, subscribed } from '../helpers/pusher-clients';
import { type Frame, type RawClient, rawClient } from '../helpers/raw-client';
import { startTestHerald, type TestApp, type TestHerald } from '../helpers/test-herald';
import { within } from '../helpers/wait';

const APP: TestApp = { id: 'subs-app', key: 'subs-key', secret: 'subs-secret' };
const MASTER_KEY = randomBytes(32).toString('base64');

interface SubscriptionError {
  type: string;
  error: string;
  status: number;
}

/** Resolves with the data of the channel's pusher:subscription_error; rejects if it succeeds instead. */
function subscriptionError(client: PusherJs, channelName: string): Promise<SubscriptionError> {
  const channel = client.subscribe(channelName);
  return within(
    new Promise<SubscriptionError>((resolve, reject) => {
      channel.bind('pusher:subscription_error', resolve);
      channel.bind('pusher:subscription_succeeded', () => reject(new Error(`${channelName} was accepted`)));
    }),
    `subscription_error for ${channelName}`,
  );
}

describe('subscriptions', () => {
  let herald: TestHerald;
  const clients: PusherJs[] = [];
  const raws: RawClient[] = [];
  before(async () => {
    herald = await startTestHerald({ apps: [APP] });
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    for (const r of raws) r.close();
    await herald.stop();
  });

  async function client(options: Parameters<typeof connectedClient>[2] = {}): Promise<PusherJs> {
    const c = await connectedClient(herald, APP, options);
    clients.push(c);
    return c;
  }

  async function raw(): Promise<RawClient> {
    const r = await rawClient(herald.port, APP.key);
    raws.push(r);
    return r;
  }

  /** Proves the socket still works: subscribes to a fresh public channel and receives a triggered event. */
  async function assertUsable(c: PusherJs): Promise<void> {
    const name = `still-works-${randomBytes(4).toString('hex')}`;
    const channel = await subscribed(c, name);
    const got = nextEvent(channel, 'ping');
    await serverSdk(herald, APP).trigger(name, 'ping', { ok: true });
    assert.deepEqual(await got, { ok: true });
  }

  async function assertRawUsable(r: RawClient): Promise<void> {
    const name = `still-works-${randomBytes(4).toString('hex')}`;
    const answer = await r.subscribe(name);
    assert.equal(answer.event, 'pusher_internal:subscription_succeeded');
    const from = r.frames.length;
    await serverSdk(herald, APP).trigger(name, 'ping', 'raw-ok');
    const event = await r.next((f) => f.channel === name && f.event === 'ping', 'the event after the error', 5000, from);
    assert.equal(event.data, 'raw-ok');
  }

  it('subscribes to a public channel and receives events', async () => {
    const c = await client();
    const channel = await subscribed(c, 'public-news');
    const got = nextEvent(channel, 'update');
    await serverSdk(herald, APP).trigger('public-news', 'update', { n: 1 });
    assert.deepEqual(await got, { n: 1 });
  });

  it('answers a subscription with the exact wire frame: data "{}" as a string', async () => {
    const r = await raw();
    const answer = await r.subscribe('wire-check');
    assert.deepEqual(answer, { event: 'pusher_internal:subscription_succeeded', channel: 'wire-check', data: '{}' });
  });

  it('subscribes to a private channel with an auth signed by the pusher SDK', async () => {
    const c = await client();
    const channel = await subscribed(c, 'private-orders');
    const got = nextEvent(channel, 'created');
    await serverSdk(herald, APP).trigger('private-orders', 'created', { id: 7 });
    assert.deepEqual(await got, { id: 7 });
  });

  it('subscribes to a presence channel', async () => {
    const c = await client({ user: { id: 'u-1', info: { name: 'Una' } } });
    const channel = await subscribed(c, 'presence-lobby');
    const got = nextEvent(channel, 'news');
    await serverSdk(herald, APP).trigger('presence-lobby', 'news', 'hi');
    assert.equal(await got, 'hi');
  });

  it('subscribes to a private-encrypted channel; pusher-js decrypts what the pusher SDK encrypted', async () => {
    const signer = serverSdk(herald, APP, { encryptionMasterKeyBase64: MASTER_KEY });
    const c = await client({ signer });
    const channel = await subscribed(c, 'private-encrypted-vault');
    const got = nextEvent(channel, 'secret');
    await signer.trigger('private-encrypted-vault', 'secret', { pin: '1234' });
    assert.deepEqual(await got, { pin: '1234' });
  });

  it('relays encrypted payloads untouched: a raw subscriber gets the ciphertext, never the plaintext', async () => {
    const signer = serverSdk(herald, APP, { encryptionMasterKeyBase64: MASTER_KEY });
    const r = await raw();
    const channelName = 'private-encrypted-raw';
    const auth = signer.authorizeChannel(r.socketId, channelName) as { auth: string; shared_secret?: string };
    assert.ok(auth.shared_secret, 'the SDK hands out a shared secret for the client');
    const answer = await r.subscribe(channelName, { auth: auth.auth });
    assert.equal(answer.event, 'pusher_internal:subscription_succeeded');

    // What pusher-js (also subscribed) decrypts is what the SDK sent: the relay did not alter it.
    const c = await client({ signer });
    const channel = await subscribed(c, channelName);
    const decrypted = nextEvent(channel, 'secret');
    const from = r.frames.length;
    await signer.trigger(channelName, 'secret', { plaintext: 'swordfish' });
    const frame = await r.next((f) => f.event === 'secret', 'the encrypted event', 5000, from);
    assert.deepEqual(await decrypted, { plaintext: 'swordfish' });
    assert.equal(typeof frame.data, 'string');
    assert.doesNotMatch(frame.data as string, /swordfish/);
    const box = JSON.parse(frame.data as string) as { nonce: string; ciphertext: string };
    assert.deepEqual(Object.keys(box).sort(), ['ciphertext', 'nonce']);
    assert.equal(Buffer.from(box.nonce, 'base64').length, 24, 'a NaCl secretbox nonce');
  });

  it('refuses an encrypted subscription whose auth is not signed for it', async () => {
    const r = await raw();
    const answer = await r.subscribe('private-encrypted-x', { auth: `${APP.key}:${'ab'.repeat(32)}` });
    assert.equal(answer.event, 'pusher:subscription_error');
    assert.equal((answer.data as SubscriptionError).status, 401);
  });

  it('accepts channel names with dots, like Laravel model channels', async () => {
    const c = await client({ user: { id: '5' } });
    for (const name of ['private-App.Models.User.5', 'presence-App.Chat.1', 'App.Public.Feed']) {
      const channel = await subscribed(c, name);
      const got = nextEvent(channel, 'App\\Events\\Updated');
      await serverSdk(herald, APP).trigger(name, 'App\\Events\\Updated', { name });
      assert.deepEqual(await got, { name });
    }
  });

  it('accepts every legal character and a 200-character name', async () => {
    const c = await client();
    const legal = 'AZaz09_-=@,.;';
    const long = `private-${'x'.repeat(192)}`;
    assert.equal(long.length, 200);
    for (const name of [legal, long]) {
      const channel = await subscribed(c, name);
      const got = nextEvent(channel, 'e');
      await serverSdk(herald, APP).trigger(name, 'e', 'ok');
      assert.equal(await got, 'ok');
    }
  });

  for (const [what, name] of [
    ['a space', 'bad name'],
    ['a slash', 'bad/name'],
    ['a colon', 'bad:name'],
    ['a non-ASCII letter', 'café'],
    ['201 characters', 'y'.repeat(201)],
    ['the reserved # prefix', '#server-to-user'],
  ] as const) {
    it(`refuses a channel name with ${what} with subscription_error; the socket keeps working`, async () => {
      const r = await raw();
      const answer = await r.subscribe(name);
      assert.equal(answer.event, 'pusher:subscription_error');
      assert.equal(answer.channel, name);
      const data = answer.data as SubscriptionError;
      assert.equal(data.status, 400);
      assert.equal(typeof data.error, 'string');
      assert.equal(r.frames.filter((f) => f.event === 'pusher:error').length, 0);
      await assertRawUsable(r);
    });
  }

  it('pusher-js sees subscription_error for an illegal name and stays connected', async () => {
    const c = await client();
    const error = await subscriptionError(c, 'no spaces allowed');
    assert.equal(error.status, 400);
    assert.equal(c.connection.state, 'connected');
    await assertUsable(c);
  });

  it('refuses #server-to-user-<id> to a socket that is not signed in', async () => {
    const r = await raw();
    const answer = await r.subscribe('#server-to-user-x');
    assert.equal(answer.event, 'pusher:subscription_error');
    assert.equal(answer.channel, '#server-to-user-x');
    await assertRawUsable(r);
  });

  it('refuses a forged private auth with status 401; the same pusher-js socket subscribes elsewhere afterwards', async () => {
    const c = await client({
      extra: {
        channelAuthorization: {
          endpoint: '',
          transport: 'ajax',
          customHandler: ({ socketId, channelName }, callback) => {
            // Signed with the wrong secret.
            const forged = serverSdk(herald, { ...APP, secret: 'not-the-secret' }).authorizeChannel(socketId, channelName);
            callback(null, forged);
          },
        },
      },
    });
    const error = await subscriptionError(c, 'private-forged');
    assert.equal(error.status, 401);
    assert.equal(error.type, 'AuthError');
    assert.equal(c.connection.state, 'connected');
    await assertUsable(c);
  });

  it('refuses an auth signed for another socket or another channel', async () => {
    const r = await raw();
    const signer = serverSdk(herald, APP);
    const otherSocket = signer.authorizeChannel('1.1', 'private-mine').auth;
    const otherChannel = signer.authorizeChannel(r.socketId, 'private-theirs').auth;
    for (const auth of [otherSocket, otherChannel]) {
      const answer = await r.subscribe('private-mine', { auth });
      assert.equal(answer.event, 'pusher:subscription_error');
      assert.equal((answer.data as SubscriptionError).status, 401);
    }
    // The right one still works on the same socket.
    const ok = await r.subscribe('private-mine', { auth: signer.authorizeChannel(r.socketId, 'private-mine').auth });
    assert.equal(ok.event, 'pusher_internal:subscription_succeeded');
  });

  for (const channel of ['private-noauth', 'presence-noauth', 'private-encrypted-noauth']) {
    it(`refuses ${channel} without auth with status 401; the socket stays usable`, async () => {
      const r = await raw();
      const answer = await r.subscribe(channel);
      assert.deepEqual(
        { event: answer.event, channel: answer.channel, status: (answer.data as SubscriptionError).status },
        { event: 'pusher:subscription_error', channel, status: 401 },
      );
      await assertRawUsable(r);
    });
  }

  it('refuses a presence subscription whose channel_data was not the signed one', async () => {
    const r = await raw();
    const signed = serverSdk(herald, APP).authorizeChannel(r.socketId, 'presence-room', { user_id: 'alice' });
    const answer = await r.subscribe('presence-room', { auth: signed.auth, channel_data: JSON.stringify({ user_id: 'mallory' }) });
    assert.equal(answer.event, 'pusher:subscription_error');
    assert.equal((answer.data as SubscriptionError).status, 401);
    await assertRawUsable(r);
  });

  it('stops delivering after pusher:unsubscribe', async () => {
    const r = await raw();
    await r.subscribe('leaving');
    await r.subscribe('staying');
    r.send({ event: 'pusher:unsubscribe', data: { channel: 'leaving' } });
    // Unsubscribe and the marker travel on the same socket, so the marker proves the unsubscribe was handled.
    const from = r.frames.length;
    const sdk = serverSdk(herald, APP);
    await sdk.trigger('leaving', 'gone', 'should not arrive');
    await sdk.trigger('staying', 'marker', 'm');
    await r.next((f) => f.event === 'marker', 'the marker', 5000, from);
    assert.deepEqual(
      r.frames.slice(from).filter((f: Frame) => f.channel === 'leaving'),
      [],
    );
  });

  it('receives each event once when subscribing twice to the same channel', async () => {
    const r = await raw();
    await r.subscribe('twice');
    const again = await r.subscribe('twice');
    assert.equal(again.event, 'pusher_internal:subscription_succeeded');
    const from = r.frames.length;
    const sdk = serverSdk(herald, APP);
    await sdk.trigger('twice', 'e', '1');
    await sdk.trigger('twice', 'marker', '2');
    await r.next((f) => f.event === 'marker', 'marker', 5000, from);
    assert.equal(r.frames.slice(from).filter((f) => f.event === 'e').length, 1);
  });
});
