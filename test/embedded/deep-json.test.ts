/**
 * Over-deep JSON from an untrusted sender: an API event's `data`, a client event's `data` and a
 * presence member's `user_info` nested thousands of levels deep. JSON.parse copes, but
 * serialising such a value again overflows the stack; each is refused with the protocol's
 * error (HTTP 400, pusher:error, pusher:subscription_error) and the process keeps serving.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MAX_JSON_DEPTH } from '../../services/core/src/protocol/json-depth';
import { signChannelAuth } from '../../services/core/src/signing/socket-auth';
import { OpenClients } from '../helpers/open-clients';
import { connectedClient, nextEvent, serverSdk, subscribed } from '../helpers/pusher-clients';
import { type RawClient, rawClient } from '../helpers/raw-client';
import { signedRequest } from '../helpers/signed-request';
import { startTestHerald, type TestApp, type TestHerald } from '../helpers/test-herald';

const APP: TestApp = { id: 'deep-app', key: 'deep-key', secret: 'deep-secret', clientEvents: true };

/** `[[[…]]]`, `levels` deep: 2 bytes a level, so it passes size checks that count bytes only. */
const nested = (levels: number): string => '['.repeat(levels) + ']'.repeat(levels);

describe('over-deep JSON', () => {
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

  /** A fresh pusher-js client still connects, subscribes and gets an event: the process was not disturbed. */
  async function assertStillServing(): Promise<void> {
    const client = await connectedClient(herald, APP);
    open.pusher(client);
    const channel = await subscribed(client, 'after-deep');
    const received = nextEvent(channel, 'still-here');
    await serverSdk(herald, APP).trigger('after-deep', 'still-here', { ok: true });
    assert.deepEqual(await received, { ok: true });
  }

  it('POST /events with data nested 100,000 levels: 400 with a JSON error, not 500', async () => {
    const body = `{"name":"deep","channel":"c","data":${nested(100_000)}}`;
    const answer = await signedRequest(herald, APP, { path: `/apps/${APP.id}/events`, body });
    assert.equal(answer.status, 400, answer.text);
    assert.match((answer.json as { error: string }).error, new RegExp(`nested more than ${MAX_JSON_DEPTH} levels`));
    await assertStillServing();
  });

  it('POST /batch_events with one item nested 100,000 levels: 400 with a JSON error, not 500', async () => {
    const body = `{"batch":[{"name":"ok","channel":"c","data":"x"},{"name":"deep","channel":"c","data":${nested(100_000)}}]}`;
    const answer = await signedRequest(herald, APP, { path: `/apps/${APP.id}/batch_events`, body });
    assert.equal(answer.status, 400, answer.text);
    assert.match((answer.json as { error: string }).error, new RegExp(`nested more than ${MAX_JSON_DEPTH} levels`));
    await assertStillServing();
  });

  it(`accepts API data nested exactly ${MAX_JSON_DEPTH} levels`, async () => {
    const body = `{"name":"deep","channel":"c","data":${nested(MAX_JSON_DEPTH)}}`;
    const answer = await signedRequest(herald, APP, { path: `/apps/${APP.id}/events`, body });
    assert.equal(answer.status, 200, answer.text);
  });

  it('a client event whose data is nested 30,000 levels (60 KB, under the frame limit) gets pusher:error and the socket stays open', async () => {
    const sender = await raw();
    const channel = 'private-deep';
    assert.equal((await sender.subscribe(channel, { auth: signChannelAuth(APP, sender.socketId, channel) })).event, 'pusher_internal:subscription_succeeded');
    const from = sender.frames.length;
    sender.sendRaw(`{"event":"client-deep","channel":"${channel}","data":${nested(30_000)}}`);
    const error = await sender.next((f) => f.event === 'pusher:error', 'pusher:error', 5000, from);
    const data = error.data as { code: number | null; message: string };
    assert.equal(data.code, null);
    assert.match(data.message, new RegExp(`nested more than ${MAX_JSON_DEPTH} levels`));
    sender.send({ event: 'pusher:ping', data: {} });
    await sender.next((f) => f.event === 'pusher:pong', 'pong after the refusal', 5000, from);
    await assertStillServing();
  });

  it('a presence subscribe whose user_info is nested 20,000 levels gets pusher:subscription_error 400 and the socket stays open', async () => {
    const member = await raw();
    const channel = 'presence-deep';
    const channelData = `{"user_id":"deep-user","user_info":${nested(20_000)}}`;
    const answer = await member.subscribe(channel, { auth: signChannelAuth(APP, member.socketId, channel, channelData), channel_data: channelData });
    assert.equal(answer.event, 'pusher:subscription_error');
    const data = answer.data as { type: string; error: string; status: number };
    assert.equal(data.type, 'PresenceError');
    assert.equal(data.status, 400);
    assert.match(data.error, new RegExp(`nested more than ${MAX_JSON_DEPTH} levels`));
    const from = member.frames.length;
    member.send({ event: 'pusher:ping', data: {} });
    await member.next((f) => f.event === 'pusher:pong', 'pong after the refusal', 5000, from);
    await assertStillServing();
  });
});
