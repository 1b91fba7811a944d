/**
 * Client events (`client-*`) between pusher-js clients: where they are allowed, who gets
 * them, `user_id` on presence channels, and the per-connection rate limit (4301).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type PusherJs from 'pusher-js';
import type { Channel } from 'pusher-js';
import { OpenClients } from '../helpers/open-clients';
import { collect, connectedClient, nextEvent, serverSdk, subscribed } from '../helpers/pusher-clients';
import { type Frame, type RawClient, rawClient } from '../helpers/raw-client';
import { startTestHerald, type TestApp, type TestHerald } from '../helpers/test-herald';
import { within } from '../helpers/wait';

const APP: TestApp = { id: 'ce-app', key: 'ce-key', secret: 'ce-secret', clientEvents: true };
const NO_CLIENT_EVENTS: TestApp = { id: 'ce-off', key: 'ce-off-key', secret: 'ce-off-secret', clientEvents: false };
const MASTER_KEY = randomBytes(32).toString('base64');

interface ErrorData {
  code: number | null;
  message: string;
}

describe('client events', () => {
  let herald: TestHerald;
  const open = new OpenClients();
  before(async () => {
    herald = await startTestHerald({ apps: [APP, NO_CLIENT_EVENTS] });
  });
  after(async () => {
    open.closeAll();
    await herald.stop();
  });

  async function client(user?: string): Promise<PusherJs> {
    const c = await connectedClient(herald, APP, user ? { user: { id: user } } : {});
    open.pusher(c);
    return c;
  }

  async function raw(app: TestApp = APP): Promise<RawClient> {
    const r = await rawClient(herald.port, app.key);
    open.raw(r);
    return r;
  }

  /** Subscribes a raw client to a private channel with an SDK-signed auth. */
  async function rawPrivate(r: RawClient, channel: string, app: TestApp = APP): Promise<void> {
    const { auth } = serverSdk(herald, app).authorizeChannel(r.socketId, channel);
    assert.equal((await r.subscribe(channel, { auth })).event, 'pusher_internal:subscription_succeeded');
  }

  /** Sends a client event on a raw socket and resolves with the pusher:error it causes. */
  async function rejected(r: RawClient, frame: Frame): Promise<ErrorData> {
    const from = r.frames.length;
    r.send(frame);
    const error = await r.next((f) => f.event === 'pusher:error', `pusher:error for ${frame.event}`, 5000, from);
    return error.data as ErrorData;
  }

  /** Proves `event` never reached `receiver`: a marker triggered afterwards on the same channel arrives first. */
  async function assertNotDelivered(receiver: Channel, seen: unknown[], channelName: string): Promise<void> {
    const marker = nextEvent(receiver, 'marker');
    await serverSdk(herald, APP).trigger(channelName, 'marker', {});
    await marker;
    assert.deepEqual(seen, []);
  }

  it('delivers a client event on a private channel to the other subscriber, not back to the sender', async () => {
    const [alice, bob] = [await client(), await client()];
    const [aliceChannel, bobChannel] = [await subscribed(alice, 'private-chat'), await subscribed(bob, 'private-chat')];
    const echoed = collect(aliceChannel, 'client-typing');
    const got = nextEvent(bobChannel, 'client-typing');
    assert.equal(aliceChannel.trigger('client-typing', { who: 'alice' }), true);
    assert.deepEqual(await got, { who: 'alice' });
    await assertNotDelivered(aliceChannel, echoed, 'private-chat');
  });

  it("delivers client events on a presence channel with the sender's user_id", async () => {
    const [alice, bob] = [await client('alice'), await client('bob')];
    const aliceChannel = await subscribed(alice, 'presence-chat');
    const bobChannel = await subscribed(bob, 'presence-chat');
    const echoed = collect(aliceChannel, 'client-wave');
    const got = within(
      new Promise<{ data: unknown; metadata: { user_id?: string } }>((resolve) =>
        bobChannel.bind('client-wave', (data: unknown, metadata: { user_id?: string }) => resolve({ data, metadata })),
      ),
      'client-wave at bob',
    );
    aliceChannel.trigger('client-wave', { hello: 'bob' });
    const { data, metadata } = await got;
    assert.deepEqual(data, { hello: 'bob' });
    assert.equal(metadata.user_id, 'alice');
    await assertNotDelivered(aliceChannel, echoed, 'presence-chat');
  });

  it('puts user_id on the wire frame of presence client events, and none on private ones', async () => {
    const sender = await raw();
    const receiver = await raw();
    for (const r of [sender, receiver]) {
      const channelData = { user_id: r === sender ? 'sender-1' : 'receiver-1' };
      const { auth } = serverSdk(herald, APP).authorizeChannel(r.socketId, 'presence-wire', channelData);
      const answer = await r.subscribe('presence-wire', { auth, channel_data: JSON.stringify(channelData) });
      assert.equal(answer.event, 'pusher_internal:subscription_succeeded');
      await rawPrivate(r, 'private-wire');
    }
    sender.send({ event: 'client-ping', channel: 'presence-wire', data: { n: 1 } });
    const presenceFrame = await receiver.next((f) => f.event === 'client-ping' && f.channel === 'presence-wire', 'presence client event');
    assert.deepEqual(presenceFrame, { event: 'client-ping', channel: 'presence-wire', data: '{"n":1}', user_id: 'sender-1' });
    sender.send({ event: 'client-ping', channel: 'private-wire', data: '{"n":2}' });
    const privateFrame = await receiver.next((f) => f.event === 'client-ping' && f.channel === 'private-wire', 'private client event');
    assert.deepEqual(privateFrame, { event: 'client-ping', channel: 'private-wire', data: '{"n":2}' });
  });

  it('rejects client events on a public channel with pusher:error and does not relay them', async () => {
    const sender = await raw();
    await sender.subscribe('public-room');
    const listener = await client();
    const channel = await subscribed(listener, 'public-room');
    const seen = collect(channel, 'client-x');
    const error = await rejected(sender, { event: 'client-x', channel: 'public-room', data: {} });
    assert.equal(error.code, null);
    assert.match(error.message, /private and presence/);
    await assertNotDelivered(channel, seen, 'public-room');
    assert.equal(sender.socket.readyState, sender.socket.OPEN);
  });

  it('rejects client events on a private-encrypted channel', async () => {
    const signer = serverSdk(herald, APP, { encryptionMasterKeyBase64: MASTER_KEY });
    const sender = await raw();
    const name = 'private-encrypted-room';
    const { auth } = signer.authorizeChannel(sender.socketId, name);
    assert.equal((await sender.subscribe(name, { auth })).event, 'pusher_internal:subscription_succeeded');
    const listener = await connectedClient(herald, APP, { signer });
    open.pusher(listener);
    const channel = await subscribed(listener, name);
    const seen: unknown[] = [];
    // The encrypted channel would try (and fail) to decrypt a relayed event; catch it at the wire.
    listener.connection.bind('message', (m: { event: string }) => m.event === 'client-x' && seen.push(m));
    const error = await rejected(sender, { event: 'client-x', channel: name, data: { nonce: 'n', ciphertext: 'c' } });
    assert.equal(error.code, null);
    const marker = within(new Promise<void>((resolve) => listener.connection.bind('message', (m: { event: string }) => m.event === 'marker' && resolve())), 'marker');
    await signer.trigger(name, 'marker', {});
    await marker;
    assert.deepEqual(seen, []);
    assert.ok(channel.subscribed);
  });

  it('rejects client events on a channel the socket is not subscribed to', async () => {
    const sender = await raw();
    const listener = await client();
    const channel = await subscribed(listener, 'private-elsewhere');
    const seen = collect(channel, 'client-sneak');
    const error = await rejected(sender, { event: 'client-sneak', channel: 'private-elsewhere', data: {} });
    assert.equal(error.code, null);
    assert.match(error.message, /not subscribed/);
    await assertNotDelivered(channel, seen, 'private-elsewhere');
  });

  it('rejects client events when the app has them switched off', async () => {
    const sender = await raw(NO_CLIENT_EVENTS);
    await rawPrivate(sender, 'private-off', NO_CLIENT_EVENTS);
    const receiver = await raw(NO_CLIENT_EVENTS);
    await rawPrivate(receiver, 'private-off', NO_CLIENT_EVENTS);
    const error = await rejected(sender, { event: 'client-x', channel: 'private-off', data: {} });
    assert.equal(error.code, null);
    assert.match(error.message, /enable/);
    const from = receiver.frames.length;
    await serverSdk(herald, NO_CLIENT_EVENTS).trigger('private-off', 'marker', {});
    await receiver.next((f) => f.event === 'marker', 'marker', 5000, from);
    assert.deepEqual(
      receiver.frames.filter((f) => f.event === 'client-x'),
      [],
    );
  });

  it('pusher-js hears the rejection as a connection error and stays connected', async () => {
    const c = await client();
    const channel = await subscribed(c, 'plain-public');
    const error = within(new Promise<{ type: string; data: ErrorData }>((resolve) => c.connection.bind('error', resolve)), 'pusher:error at pusher-js');
    channel.trigger('client-nope', {});
    assert.equal((await error).data.code, null);
    assert.equal(c.connection.state, 'connected');
  });

  it('allows 10 client events per second per connection, answers the excess with 4301 and keeps the connection open', async () => {
    const sender = await raw();
    const receiver = await raw();
    await rawPrivate(sender, 'private-flood');
    await rawPrivate(receiver, 'private-flood');
    const senderFrom = sender.frames.length;
    const receiverFrom = receiver.frames.length;
    // All 15 arrive within one second (one write each, back to back).
    for (let i = 0; i < 15; i++) sender.send({ event: 'client-n', channel: 'private-flood', data: { i } });
    sender.send({ event: 'pusher:ping', data: {} });
    await sender.next((f) => f.event === 'pusher:pong', 'the pong after the flood', 5000, senderFrom);
    const errors = sender.frames.slice(senderFrom).filter((f) => f.event === 'pusher:error');
    assert.equal(errors.length, 5, 'one 4301 per event over the limit');
    for (const e of errors) assert.equal((e.data as ErrorData).code, 4301);

    // The receiver got exactly the first ten.
    await serverSdk(herald, APP).trigger('private-flood', 'marker', {});
    await receiver.next((f) => f.event === 'marker', 'marker', 5000, receiverFrom);
    const delivered = receiver.frames.slice(receiverFrom).filter((f) => f.event === 'client-n');
    assert.deepEqual(
      delivered.map((f) => JSON.parse(f.data as string).i),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    );

    // Still open and still working.
    assert.equal(sender.socket.readyState, sender.socket.OPEN);
    const from = sender.frames.length;
    sender.send({ event: 'pusher:ping', data: {} });
    await sender.next((f) => f.event === 'pusher:pong', 'pong after 4301', 5000, from);
  });

  it('pusher-js sees 4301 as an error event and stays connected', async () => {
    const [alice, bob] = [await client(), await client()];
    const [aliceChannel, bobChannel] = [await subscribed(alice, 'private-flood-js'), await subscribed(bob, 'private-flood-js')];
    const received = collect(bobChannel, 'client-burst');
    const codes: Array<number | null> = [];
    const twoErrors = within(
      new Promise<void>((resolve) =>
        alice.connection.bind('error', (e: { data?: ErrorData }) => {
          codes.push(e.data?.code ?? null);
          if (codes.length === 2) resolve();
        }),
      ),
      'two 4301 errors at pusher-js',
    );
    for (let i = 0; i < 12; i++) aliceChannel.trigger('client-burst', { i });
    const marker = nextEvent(bobChannel, 'marker');
    await twoErrors;
    await serverSdk(herald, APP).trigger('private-flood-js', 'marker', {});
    await marker;
    assert.deepEqual(codes, [4301, 4301]);
    assert.equal(received.length, 10);
    assert.equal(alice.connection.state, 'connected');
  });
});
