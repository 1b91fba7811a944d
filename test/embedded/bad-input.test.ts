/**
 * Bad input on the socket: whatever one client sends, it gets a pusher:error (code null) or
 * a clean close of its own socket, and neither the process nor any other client notices.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { OpenClients } from '../helpers/open-clients';
import { collect, connectedClient, nextEvent, serverSdk, subscribed } from '../helpers/pusher-clients';
import { type Frame, type RawClient, rawClient } from '../helpers/raw-client';
import { startTestHerald, type TestApp, type TestHerald } from '../helpers/test-herald';
import { within } from '../helpers/wait';

const APP: TestApp = { id: 'bad-input-app', key: 'bad-input-key', secret: 'bad-input-secret' };
const DEFAULT_MAX_FRAME_BYTES = 64 * 1024;

interface ErrorData {
  code: number | null;
  message: string;
}

const isError = (f: Frame) => f.event === 'pusher:error';
const isPong = (f: Frame) => f.event === 'pusher:pong';

/** A text frame of exactly `bytes` bytes that is a valid pusher:ping. */
function pingOfSize(bytes: number): string {
  const empty = JSON.stringify({ event: 'pusher:ping', data: { pad: '' } });
  const frame = JSON.stringify({ event: 'pusher:ping', data: { pad: 'x'.repeat(bytes - empty.length) } });
  assert.equal(Buffer.byteLength(frame), bytes);
  return frame;
}

describe('bad input on the socket', () => {
  let herald: TestHerald;
  const open = new OpenClients();
  before(async () => {
    herald = await startTestHerald({ apps: [APP] });
  });
  after(async () => {
    open.closeAll();
    await herald.stop();
  });

  async function raw(): Promise<RawClient> {
    const r = await rawClient(herald.port, APP.key);
    open.raw(r);
    assert.ok(r.socketId, 'connected');
    return r;
  }

  /** Sends `text` and returns the single pusher:error it earns. */
  async function errorFor(r: RawClient, send: () => void, what: string): Promise<ErrorData> {
    const from = r.frames.length;
    send();
    const frame = await r.next(isError, `pusher:error for ${what}`, 5000, from);
    return frame.data as ErrorData;
  }

  /** The socket still works: it subscribes to a fresh channel and receives an event triggered by the SDK. */
  async function assertUsable(r: RawClient): Promise<void> {
    assert.equal(r.socket.readyState, r.socket.OPEN, 'the socket is still open');
    const channel = `after-bad-input-${randomBytes(4).toString('hex')}`;
    const answer = await r.subscribe(channel);
    assert.equal(answer.event, 'pusher_internal:subscription_succeeded');
    const from = r.frames.length;
    await serverSdk(herald, APP).trigger(channel, 'still-here', { ok: true });
    const event = await r.next((f) => f.channel === channel && f.event === 'still-here', 'an event after the bad input', 5000, from);
    assert.deepEqual(JSON.parse(event.data as string), { ok: true });
  }

  const malformed: Array<[string, string]> = [
    ['malformed JSON', '{"event":"pusher:subscribe","data":'],
    ['plain text', 'hello'],
    ['an empty frame', ''],
    ['a JSON array', '[{"event":"pusher:ping"}]'],
    ['a JSON number', '42'],
    ['a JSON string', '"pusher:ping"'],
    ['JSON null', 'null'],
    ['an object without event', '{"data":{"channel":"news"}}'],
    ['a non-string event', '{"event":7}'],
    ['an unknown pusher: event', '{"event":"pusher:foo","data":{}}'],
    ['a client sending a pusher_internal: event', '{"event":"pusher_internal:member_added","channel":"presence-x","data":"{}"}'],
    ['an unknown event without a prefix', '{"event":"hello","channel":"news","data":"{}"}'],
    ['pusher:subscribe with string data', '{"event":"pusher:subscribe","data":"news"}'],
    ['pusher:subscribe without a channel', '{"event":"pusher:subscribe","data":{}}'],
    ['pusher:unsubscribe without a channel', '{"event":"pusher:unsubscribe","data":{}}'],
    ['a client event whose channel is not a string', '{"event":"client-x","channel":5,"data":{}}'],
  ];
  for (const [what, text] of malformed) {
    it(`answers ${what} with pusher:error (code null) and keeps the socket usable`, async () => {
      const r = await raw();
      const error = await errorFor(r, () => r.sendRaw(text), what);
      assert.equal(error.code, null);
      assert.equal(typeof error.message, 'string');
      assert.ok(error.message.length > 0, 'the error says what was wrong');
      await assertUsable(r);
      assert.equal(r.frames.filter(isError).length, 1, 'exactly one error for one bad frame');
    });
  }

  it('accepts pusher:subscribe whose data is double-encoded as a JSON string (some clients send that)', async () => {
    const r = await raw();
    const from = r.frames.length;
    r.sendRaw(JSON.stringify({ event: 'pusher:subscribe', data: JSON.stringify({ channel: 'double-encoded' }) }));
    const answer = await r.next((f) => f.channel === 'double-encoded', 'an answer to the double-encoded subscribe', 5000, from);
    assert.equal(answer.event, 'pusher_internal:subscription_succeeded');
    const got = r.frames.length;
    await serverSdk(herald, APP).trigger('double-encoded', 'works', {});
    await r.next((f) => f.event === 'works', 'an event on the channel', 5000, got);
  });

  it('answers a binary frame with pusher:error (code null), does not act on it, and keeps the socket usable', async () => {
    const r = await raw();
    const error = await errorFor(r, () => r.sendRaw(Buffer.from('{"event":"pusher:ping","data":{}}'), true), 'a binary frame');
    assert.equal(error.code, null);
    assert.match(error.message, /binary/i);
    // The same bytes as text are a ping: only that one is answered.
    const from = r.frames.length;
    r.sendRaw('{"event":"pusher:ping","data":{}}');
    await r.next(isPong, 'pong for the text ping', 5000, from);
    assert.equal(r.frames.filter(isPong).length, 1, 'the binary ping was not answered');
    await assertUsable(r);
  });

  it('accepts a frame of exactly the default limit (64 KiB)', async () => {
    const r = await raw();
    const from = r.frames.length;
    r.sendRaw(pingOfSize(DEFAULT_MAX_FRAME_BYTES));
    await r.next(isPong, 'pong for a 64 KiB ping', 5000, from);
    assert.equal(r.frames.filter(isError).length, 0);
  });

  it('closes only the socket that sends a frame over the limit (1009); other clients keep receiving', async () => {
    const watcher = await connectedClient(herald, APP);
    open.pusher(watcher);
    const channel = await subscribed(watcher, 'bystanders');
    const neighbour = await raw();
    const offender = await raw();
    assert.equal((await offender.subscribe('bystanders')).event, 'pusher_internal:subscription_succeeded');

    offender.sendRaw(pingOfSize(DEFAULT_MAX_FRAME_BYTES + 1));
    const closed = await within(offender.closed, 'the oversized frame to close its socket');
    assert.equal(closed.code, 1009, 'WebSocket "message too big"');

    const got = nextEvent(channel, 'after-oversize');
    await serverSdk(herald, APP).trigger('bystanders', 'after-oversize', { n: 1 });
    assert.deepEqual(await got, { n: 1 });
    assert.equal(watcher.connection.state, 'connected');
    const from = neighbour.frames.length;
    neighbour.send({ event: 'pusher:ping', data: {} });
    await neighbour.next(isPong, 'pong from the neighbour', 5000, from);
    // The process still accepts new connections.
    await raw();
  });

  it('closes a text frame that is not UTF-8 (1007) without disturbing others', async () => {
    const neighbour = await raw();
    const offender = await raw();
    offender.socket.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
    const closed = await within(offender.closed, 'the invalid UTF-8 frame to close its socket');
    assert.equal(closed.code, 1007, 'WebSocket "invalid frame payload data"');
    await assertUsable(neighbour);
  });

  it('stays unaffected for other clients while one client floods malformed frames', async () => {
    const watcher = await connectedClient(herald, APP);
    open.pusher(watcher);
    const channel = await subscribed(watcher, 'calm');
    const seen = collect<{ n: number }>(channel, 'tick');
    const flooder = await raw();
    const from = flooder.frames.length;
    const FLOOD = 500;
    const sdk = serverSdk(herald, APP);
    for (let n = 0; n < 5; n++) {
      for (let i = 0; i < FLOOD / 5; i++) flooder.sendRaw(i % 2 ? '{not json' : '{"event":"pusher:nope"}');
      await sdk.trigger('calm', 'tick', { n });
    }
    const done = nextEvent(channel, 'done');
    await sdk.trigger('calm', 'done', {});
    await done;
    assert.deepEqual(
      seen,
      [0, 1, 2, 3, 4].map((n) => ({ n })),
      'every event arrived, in order',
    );

    // The flooder got one error per frame and is still connected and usable.
    await flooder.next(() => flooder.frames.slice(from).filter(isError).length >= FLOOD, `${FLOOD} errors`, 10000, from);
    assert.equal(flooder.frames.slice(from).filter(isError).length, FLOOD);
    assert.ok(
      flooder.frames
        .slice(from)
        .filter(isError)
        .every((f) => (f.data as ErrorData).code === null),
    );
    await assertUsable(flooder);
  });
});

describe('bad input on the socket: a configured frame limit (HERALD_MAX_FRAME_BYTES)', () => {
  let herald: TestHerald;
  const open = new OpenClients();
  before(async () => {
    herald = await startTestHerald({ apps: [APP], env: { HERALD_MAX_FRAME_BYTES: '2048' } });
  });
  after(async () => {
    open.closeAll();
    await herald.stop();
  });

  it('accepts 2048 bytes and closes the socket that sends 2049 with 1009', async () => {
    const fits = await rawClient(herald.port, APP.key);
    const tooBig = await rawClient(herald.port, APP.key);
    open.raw(fits, tooBig);
    fits.sendRaw(pingOfSize(2048));
    await fits.next(isPong, 'pong for 2048 bytes');
    tooBig.sendRaw(pingOfSize(2049));
    assert.equal((await within(tooBig.closed, 'close for 2049 bytes')).code, 1009);
    assert.equal(fits.socket.readyState, fits.socket.OPEN);
  });
});
