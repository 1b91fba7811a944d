/**
 * The metrics after known traffic: pusher-js clients on public, private and presence
 * channels, events and a batch triggered with the `pusher` SDK, client events, refused
 * publishes, raw WebSocket clients whose bytes are counted to the byte, disconnects — then
 * `/metrics` scraped over HTTP, and every counter and histogram count equal to what was sent.
 * Each step compares a scrape before and after it, so the steps stand on their own.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type Pusher from 'pusher';
import type PusherJs from 'pusher-js';
import type { Channel } from 'pusher-js';
import WebSocket from 'ws';
import { type Exposition, scrape, sumOf } from '../helpers/metrics-exposition';
import { OpenClients } from '../helpers/open-clients';
import { collect, connectedClient, nextEvent, serverSdk, subscribed } from '../helpers/pusher-clients';
import { signedRequest } from '../helpers/signed-request';
import { startTestHerald, type TestApp, type TestHerald } from '../helpers/test-herald';
import { waitFor, within } from '../helpers/wait';

const APP: TestApp = { id: 'mt-app', key: 'mt-key', secret: 'mt-secret', clientEvents: true };
/** Only raw clients: every byte to and from them is known. */
const BYTES_APP: TestApp = { id: 'mt-bytes', key: 'mt-bytes-key', secret: 'mt-bytes-secret' };

const EVENTS_ROUTE = '/apps/:app_id/events';
const BATCH_ROUTE = '/apps/:app_id/batch_events';

/** A server→client frame's size: the payload and its header (2, 4 or 10 bytes; no mask). */
const frameBytes = (payloadBytes: number) => payloadBytes + (payloadBytes < 126 ? 2 : payloadBytes < 65536 ? 4 : 10);

/** The status a publish was answered with (the SDK throws a RequestError with `status` for a refusal). */
async function statusOf(publish: Promise<unknown>): Promise<number> {
  return publish.then(
    (response) => (response as { status: number }).status,
    (err: { status?: number }) => err.status ?? 0,
  );
}

describe('metrics after known traffic', () => {
  let herald: TestHerald;
  let sdk: Pusher;
  const open = new OpenClients();
  let alice: PusherJs;
  let bob: PusherJs;
  let carol: PusherJs;
  const channels: Record<string, Channel[]> = {};

  const metrics = async (): Promise<Exposition> => (await scrape(herald.port)).exposition;
  const app = (labels: Record<string, string> = {}) => ({ app_id: APP.id, ...labels });

  before(async () => {
    herald = await startTestHerald({ apps: [APP, BYTES_APP] });
    sdk = serverSdk(herald, APP);
    alice = open.pusher(await connectedClient(herald, APP, { user: { id: 'alice' } }));
    bob = open.pusher(await connectedClient(herald, APP, { user: { id: 'bob' } }));
    carol = open.pusher(await connectedClient(herald, APP));
    channels.news = [await subscribed(alice, 'news'), await subscribed(bob, 'news'), await subscribed(carol, 'news')];
    channels.room = [await subscribed(alice, 'private-room'), await subscribed(bob, 'private-room')];
    const lobby = await subscribed(alice, 'presence-lobby');
    // Bob's join is delivered to alice as member_added: one more event written before the steps begin.
    const joined = nextEvent(lobby, 'pusher:member_added');
    channels.lobby = [lobby, await subscribed(bob, 'presence-lobby')];
    await joined;
  });
  after(async () => {
    open.closeAll();
    await herald?.stop();
  });

  it('counts connections, subscriptions by channel type and channels; presence and the bus report', async () => {
    const m = await waitFor(async () => {
      const scraped = await metrics();
      return sumOf(scraped, 'herald_presence_members', app()) === 2 ? scraped : undefined;
    }, 'presence to count both members');
    assert.equal(sumOf(m, 'herald_gateway_connections', app()), 3);
    assert.equal(sumOf(m, 'herald_gateway_connections', { app_id: BYTES_APP.id }), 0, 'a known app without connections shows 0');
    assert.equal(sumOf(m, 'herald_gateway_connections_opened_total', app()), 3);
    assert.equal(sumOf(m, 'herald_gateway_subscriptions', app({ channel_type: 'public' })), 3);
    assert.equal(sumOf(m, 'herald_gateway_subscriptions', app({ channel_type: 'private' })), 2);
    assert.equal(sumOf(m, 'herald_gateway_subscriptions', app({ channel_type: 'presence' })), 2);
    assert.equal(sumOf(m, 'herald_gateway_channels', app()), 3);
    assert.equal(sumOf(m, 'herald_presence_channels_occupied', app()), 3);
    assert.equal(sumOf(m, 'herald_presence_ready'), 1);
    assert.equal(sumOf(m, 'herald_bus_connected', { node: 'embedded' }), 1, 'the in-process bus is always connected; the node label is on every sample');
    assert.equal(sumOf(m, 'herald_bus_disconnects_total'), 0);
  });

  it('counts triggered events: accepted per event per channel, written per socket, one latency observation per event', async () => {
    const before = await metrics();
    const seen = {
      news: channels.news.map((c) => collect(c, 'update')),
      room: channels.room.map((c) => collect(c, 'update')),
      lobby: channels.lobby.map((c) => collect(c, 'update')),
    };
    for (let i = 0; i < 4; i++) await sdk.trigger('news', 'update', { i });
    await sdk.trigger(['news', 'private-room'], 'update', { both: true });
    await sdk.triggerBatch([
      { channel: 'news', name: 'update', data: '{"b":1}' },
      { channel: 'private-room', name: 'update', data: '{"b":2}' },
      { channel: 'presence-lobby', name: 'update', data: '{"b":3}' },
    ]);
    // Written to 3 + 3 + 3 + 3 (news), 3 + 2 (both), 3 + 2 + 2 (batch) sockets.
    await waitFor(() => [...seen.news, ...seen.room, ...seen.lobby].every((s, i) => s.length === (i < 3 ? 6 : i < 5 ? 2 : 1)), 'every client to get its events');
    const after = await metrics();
    const delta = (name: string, labels: Record<string, string>) => sumOf(after, name, labels) - sumOf(before, name, labels);

    assert.equal(delta('herald_gateway_messages_delivered_total', app()), 24);
    assert.equal(delta('herald_api_events_published_total', app({ result: 'accepted' })), 9, '4 + 2 channels + a batch of 3');
    assert.equal(delta('herald_gateway_delivery_latency_seconds_count', app()), 9, 'one observation per event, not per socket');
    assert.equal(delta('herald_gateway_delivery_latency_seconds_bucket', app({ le: '+Inf' })), 9);
    assert.equal(delta('herald_api_request_duration_seconds_count', { route: EVENTS_ROUTE, method: 'POST', status_code: '200' }), 5);
    assert.equal(delta('herald_api_request_duration_seconds_count', { route: BATCH_ROUTE, method: 'POST', status_code: '200' }), 1);
    assert.ok(delta('herald_gateway_sent_bytes_total', app()) > 24 * frameBytes('{"event":"update","channel":"news","data":""}'.length), 'bytes for every frame written');
  });

  it('counts client events relayed and rejected', async () => {
    const before = await metrics();
    const typing = nextEvent(channels.room[1], 'client-typing');
    channels.room[0].trigger('client-typing', { who: 'alice' });
    await typing;
    carol.send_event('client-typing', { who: 'carol' }, 'private-room'); // not subscribed to it
    alice.send_event('client-typing', { who: 'alice' }, 'news'); // public: no client events
    const after = await waitFor(async () => {
      const scraped = await metrics();
      return sumOf(scraped, 'herald_gateway_client_events_total', app({ result: 'rejected' })) -
        sumOf(before, 'herald_gateway_client_events_total', app({ result: 'rejected' })) ===
        2
        ? scraped
        : undefined;
    }, 'both refusals to be counted');
    const delta = (name: string, labels: Record<string, string>) => sumOf(after, name, labels) - sumOf(before, name, labels);
    assert.equal(delta('herald_gateway_client_events_total', app({ result: 'relayed' })), 1);
    assert.equal(delta('herald_gateway_messages_delivered_total', app()), 1, 'to bob only: the sender is excluded');
    assert.equal(delta('herald_gateway_delivery_latency_seconds_count', app()), 1);
  });

  it('counts refused publishes as rejected per event per channel, by route and status; an unknown app not at all', async () => {
    const before = await metrics();
    const statuses: Array<[route: string, status: number]> = [];
    const publish = async (route: string, request: Promise<unknown>) => statuses.push([route, await statusOf(request)]);
    // Names the SDK would refuse itself: sent signed, as another client could.
    const events = (body: object) => signedRequest(herald, APP, { method: 'POST', path: `/apps/${APP.id}/events`, body });
    await publish(EVENTS_ROUTE, events({ name: 'update', data: '{}', channel: 'bad channel!' }));
    await publish(EVENTS_ROUTE, events({ name: 'update', data: '{}', channels: ['fine', 'also bad!'] }));
    await publish(EVENTS_ROUTE, serverSdk(herald, { ...APP, secret: 'not-the-secret' }).trigger('news', 'update', {}));
    await publish(EVENTS_ROUTE, serverSdk(herald, { id: 'no-such-app', key: 'k', secret: 's' }).trigger('news', 'update', {}));
    await publish(BATCH_ROUTE, sdk.triggerBatch(Array.from({ length: 11 }, (_, i) => ({ channel: 'news', name: 'update', data: String(i) }))));
    assert.deepEqual(
      statuses.map(([, status]) => status),
      [400, 400, 401, 404, 400],
    );
    await sdk.get({ path: '/channels' });
    const unmatched = await fetch(`${herald.httpUrl}/apps/${APP.id}/nothing-here`);
    assert.equal(unmatched.status, 404);

    const after = await metrics();
    const delta = (name: string, labels: Record<string, string>) => sumOf(after, name, labels) - sumOf(before, name, labels);
    assert.equal(delta('herald_api_events_published_total', app({ result: 'rejected' })), 1 + 2 + 1 + 11);
    assert.equal(delta('herald_api_events_published_total', app({ result: 'accepted' })), 0);
    assert.equal(sumOf(after, 'herald_api_events_published_total', { app_id: 'no-such-app' }), 0);
    assert.ok(!after.samples.some((s) => s.labels.app_id === 'no-such-app'), 'no series for an app id that is not an app');
    for (const [route, status] of statuses) {
      const expected = statuses.filter(([r, s]) => r === route && s === status).length;
      assert.equal(delta('herald_api_request_duration_seconds_count', { route, method: 'POST', status_code: String(status) }), expected, `${route} ${status}`);
    }
    assert.equal(delta('herald_api_request_duration_seconds_count', { route: '/apps/:app_id/channels', method: 'GET', status_code: '200' }), 1);
    assert.equal(delta('herald_api_request_duration_seconds_count', { route: 'unmatched', method: 'GET', status_code: '404' }), 1);
    assert.ok(!after.samples.some((s) => s.labels.route?.includes(APP.id)), 'routes are templates, never paths with ids');
  });

  it('counts the bytes to and from a raw WebSocket client exactly, and its close code', async () => {
    const before = await metrics();
    const socket = new WebSocket(`${herald.wsUrl}/app/${BYTES_APP.key}?protocol=7&client=test&version=1.0`);
    let bytesIn = 0;
    let bytesOut = 0;
    const payloads: string[] = [];
    const waiters: Array<() => void> = [];
    socket.on('message', (data: Buffer) => {
      bytesIn += frameBytes(data.length);
      payloads.push(data.toString());
      for (const w of waiters.splice(0)) w();
    });
    const received = (event: string) =>
      within(
        new Promise<void>((resolve) => {
          const check = () => (payloads.some((p) => JSON.parse(p).event === event) ? resolve() : waiters.push(check));
          check();
        }),
        event,
      );
    const send = (frame: object) => {
      const text = JSON.stringify(frame);
      bytesOut += Buffer.byteLength(text);
      socket.send(text);
    };
    await received('pusher:connection_established');
    send({ event: 'pusher:subscribe', data: { channel: 'meter' } });
    await received('pusher_internal:subscription_succeeded');
    await serverSdk(herald, BYTES_APP).trigger('meter', 'reading', { value: 'é'.repeat(100) }); // multi-byte, and over 125 bytes
    await received('reading');
    send({ event: 'pusher:ping', data: {} });
    await received('pusher:pong');
    const during = await metrics();
    const delta = (m: Exposition, name: string, labels: Record<string, string> = {}) =>
      sumOf(m, name, { app_id: BYTES_APP.id, ...labels }) - sumOf(before, name, { app_id: BYTES_APP.id, ...labels });
    assert.equal(delta(during, 'herald_gateway_sent_bytes_total'), bytesIn, 'every frame written, header included');
    assert.equal(delta(during, 'herald_gateway_received_bytes_total'), bytesOut, 'every payload received');
    assert.equal(delta(during, 'herald_gateway_messages_delivered_total'), 1);

    socket.close(1000);
    const after = await waitFor(async () => {
      const scraped = await metrics();
      return sumOf(scraped, 'herald_gateway_connections', { app_id: BYTES_APP.id }) === 0 ? scraped : undefined;
    }, 'the close to be counted');
    assert.equal(delta(after, 'herald_gateway_connections_closed_total', { code: '1000' }), 1);
    assert.equal(delta(after, 'herald_gateway_subscriptions', { channel_type: 'public' }), 0);
  });

  it('labels a close code nobody defined "other"', async () => {
    const before = await metrics();
    const socket = new WebSocket(`${herald.wsUrl}/app/${BYTES_APP.key}?protocol=7&client=test&version=1.0`);
    await within(new Promise((resolve) => socket.once('message', resolve)), 'connection_established');
    socket.close(3999);
    const after = await waitFor(async () => {
      const scraped = await metrics();
      return sumOf(scraped, 'herald_gateway_connections_closed_total', { app_id: BYTES_APP.id }) >
        sumOf(before, 'herald_gateway_connections_closed_total', { app_id: BYTES_APP.id })
        ? scraped
        : undefined;
    }, 'the close to be counted');
    const closed = (m: Exposition, code: string) => sumOf(m, 'herald_gateway_connections_closed_total', { app_id: BYTES_APP.id, code });
    assert.equal(closed(after, 'other') - closed(before, 'other'), 1);
    assert.equal(closed(after, '3999'), 0, 'no label of its own');
  });

  it('counts pusher-js disconnects, and the gauges fall back to 0', async () => {
    const before = await metrics();
    for (const client of [alice, bob, carol]) client.disconnect();
    const after = await waitFor(async () => {
      const scraped = await metrics();
      return sumOf(scraped, 'herald_gateway_connections', app()) === 0 && sumOf(scraped, 'herald_presence_members', app()) === 0 ? scraped : undefined;
    }, 'every disconnect to be counted');
    const closedDelta = sumOf(after, 'herald_gateway_connections_closed_total', app()) - sumOf(before, 'herald_gateway_connections_closed_total', app());
    assert.equal(closedDelta, 3);
    const codes = after.samples.filter((s) => s.name === 'herald_gateway_connections_closed_total' && s.labels.app_id === APP.id).map((s) => s.labels.code);
    assert.ok(
      codes.every((c) => /^\d+$/.test(c)),
      `pusher-js closes with a code of the protocol: ${codes}`,
    );
    assert.equal(sumOf(after, 'herald_gateway_subscriptions', app()), 0);
    assert.equal(sumOf(after, 'herald_gateway_channels', app()), 0);
    assert.equal(sumOf(after, 'herald_presence_channels_occupied', app()), 0);
  });

  it('serves OpenMetrics to a scraper that asks for it, the classic text format otherwise', async () => {
    const openMetrics = await scrape(herald.port, 'application/openmetrics-text; version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1');
    assert.match(openMetrics.contentType, /^application\/openmetrics-text; version=1\.0\.0/);
    assert.ok(openMetrics.text.endsWith('# EOF\n'));
    assert.equal(openMetrics.exposition.types.get('herald_gateway_messages_delivered'), 'counter');
    assert.equal(sumOf(openMetrics.exposition, 'herald_gateway_delivery_latency_seconds_count', app()), 1 + 9 + 1, 'member_added, the triggered events, the client event');
    assert.ok(!openMetrics.exposition.samples.some((s) => s.exemplar), 'no exemplar: no event here was traced');

    const classic = await scrape(herald.port);
    assert.match(classic.contentType, /^text\/plain; version=0\.0\.4/);
    assert.doesNotMatch(classic.text, /# EOF/);
    assert.equal(classic.exposition.types.get('herald_gateway_messages_delivered_total'), 'counter');
    assert.ok(sumOf(classic.exposition, 'process_cpu_seconds_total') > 0, 'the process metrics too');
  });
});
