/**
 * Per-address connection limits: open WebSockets per client address and new ones per address
 * per second. Past either, a new connection gets 4100 "Over capacity" (pusher:error, then the
 * close code): pusher-js backs off and tries again by itself, and gets in once there is room.
 * Clients already connected, other addresses and the HTTP API are not touched. The address is
 * the TCP peer's, or X-Forwarded-For's when the peer is a trusted proxy.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type PusherJs from 'pusher-js';
import { ManualClock } from '../../services/core/src/manual-clock';
import { connectedClient, createClient, nextEvent, serverSdk, subscribed } from '../helpers/pusher-clients';
import { type RawClient, rawClient } from '../helpers/raw-client';
import { DEFAULT_TEST_APP, startTestHerald, type TestHerald } from '../helpers/test-herald';
import { waitFor, within } from '../helpers/wait';

const APP = DEFAULT_TEST_APP;

interface ConnectionError {
  error?: { data?: { code?: number; message?: string } };
}

/** The first error pusher-js reports on its connection. */
function nextConnectionError(client: PusherJs): Promise<ConnectionError> {
  return within(new Promise<ConnectionError>((resolve) => client.connection.bind('error', resolve)), 'an error on the pusher-js connection');
}

async function refusedCount(herald: TestHerald, reason: string): Promise<number> {
  const metrics = await (await fetch(`${herald.httpUrl}/metrics`)).text();
  const line = metrics.split('\n').find((l) => l.startsWith('herald_gateway_connections_refused_total{') && l.includes(`reason="${reason}"`));
  return Number(line?.split(' ').at(-1) ?? 0);
}

/** A raw client's outcome: accepted (connection_established) or refused (its pusher:error code and close code). */
async function outcome(client: RawClient): Promise<'accepted' | { error: unknown; close: number; reason: string }> {
  if (client.socketId) return 'accepted';
  const error = client.frames.find((f) => f.event === 'pusher:error')?.data as { code: number };
  const closed = await client.closed;
  return { error: error.code, close: closed.code, reason: closed.reason };
}

describe('per-address connection limit (HERALD_MAX_CONNECTIONS_PER_IP)', () => {
  let herald: TestHerald;
  const clients: PusherJs[] = [];
  before(async () => {
    herald = await startTestHerald({ env: { HERALD_MAX_CONNECTIONS_PER_IP: '5' } });
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    await herald.stop();
  });

  it('refuses the sixth pusher-js client from one address with 4100; it retries and gets in when a place frees; the five are not disturbed', async () => {
    const five = await Promise.all(Array.from({ length: 5 }, () => connectedClient(herald, APP)));
    clients.push(...five);
    const channels = await Promise.all(five.map((c) => subscribed(c, 'floods')));

    const sixth = createClient(herald, APP);
    clients.push(sixth);
    const error = await nextConnectionError(sixth);
    assert.equal(error.error?.data?.code, 4100);
    assert.equal(error.error?.data?.message, 'Over capacity: too many connections from this address (limit 5)');
    assert.notEqual(sixth.connection.state, 'connected');
    // 4100 is "back off and retry": pusher-js tries again instead of giving up (as it does after 4004).
    await nextConnectionError(sixth);
    assert.ok(['connecting', 'unavailable'].includes(sixth.connection.state), sixth.connection.state);

    const events = channels.map((channel) => nextEvent(channel, 'still-here'));
    await serverSdk(herald, APP).trigger('floods', 'still-here', { ok: true });
    assert.deepEqual(await Promise.all(events), Array(5).fill({ ok: true }), 'the five still get events; the HTTP API is not limited');
    for (const c of five) assert.equal(c.connection.state, 'connected');

    five[0].disconnect();
    await waitFor(() => sixth.connection.state === 'connected', 'the sixth client to get in by itself', 10_000);
    assert.ok((await refusedCount(herald, 'ip_connections')) >= 2);
  });

  it('refuses a flood of raw WebSockets past the limit, each with pusher:error 4100 and close code 4100', async () => {
    await waitFor(() => clients.filter((c) => c.connection.state === 'connected').length === 5, 'the earlier test’s five clients');
    const before = await refusedCount(herald, 'ip_connections');
    const flood = await Promise.all(Array.from({ length: 100 }, () => rawClient(herald.port, APP.key)));
    const outcomes = await Promise.all(flood.map(outcome));
    assert.deepEqual(
      new Set(outcomes.map((o) => JSON.stringify(o))),
      new Set([JSON.stringify({ error: 4100, close: 4100, reason: 'Over capacity: too many connections from this address (limit 5)' })]),
    );
    assert.equal((await refusedCount(herald, 'ip_connections')) - before, 100);
  });

  it('ignores X-Forwarded-For when no proxy is trusted: a client cannot name itself another address', async () => {
    const spoofed = await rawClient(herald.port, APP.key, undefined, { headers: { 'X-Forwarded-For': '198.51.100.1' } });
    assert.deepEqual(await outcome(spoofed), { error: 4100, close: 4100, reason: 'Over capacity: too many connections from this address (limit 5)' });
  });
});

describe('per-address connection rate (HERALD_MAX_CONNECTION_RATE_PER_IP)', () => {
  let herald: TestHerald;
  const clock = new ManualClock();
  const open: RawClient[] = [];
  before(async () => {
    herald = await startTestHerald({ env: { HERALD_MAX_CONNECTION_RATE_PER_IP: '10' }, clock });
  });
  after(async () => {
    for (const c of open) c.close();
    await herald.stop();
  });

  it('accepts 10 of 200 WebSockets opened at once from one address, refuses the rest with 4100, and accepts more in the next second', async () => {
    const flood = await Promise.all(Array.from({ length: 200 }, () => rawClient(herald.port, APP.key)));
    open.push(...flood);
    const outcomes = await Promise.all(flood.map(outcome));
    assert.equal(outcomes.filter((o) => o === 'accepted').length, 10);
    const refused = outcomes.filter((o) => o !== 'accepted');
    assert.equal(refused.length, 190);
    assert.deepEqual(
      new Set(refused.map((o) => JSON.stringify(o))),
      new Set([JSON.stringify({ error: 4100, close: 4100, reason: 'Over capacity: too many new connections from this address (limit 10 per second)' })]),
    );
    assert.equal(await refusedCount(herald, 'ip_rate'), 190);
    for (const accepted of flood.filter((c) => c.socketId)) assert.equal(accepted.socket.readyState, accepted.socket.OPEN, 'the accepted ones stay open');

    clock.advance(1000);
    const next = await Promise.all(Array.from({ length: 12 }, () => rawClient(herald.port, APP.key)));
    open.push(...next);
    assert.equal(next.filter((c) => c.socketId).length, 10, 'a new second, a new 10');
  });
});

describe('trusted proxies (HERALD_TRUSTED_PROXIES)', () => {
  let herald: TestHerald;
  const open: RawClient[] = [];
  before(async () => {
    herald = await startTestHerald({ env: { HERALD_MAX_CONNECTIONS_PER_IP: '2', HERALD_TRUSTED_PROXIES: '127.0.0.1' } });
  });
  after(async () => {
    for (const c of open) c.close();
    await herald.stop();
  });

  const via = async (forwardedFor: string | undefined) => {
    const client = await rawClient(herald.port, APP.key, undefined, forwardedFor ? { headers: { 'X-Forwarded-For': forwardedFor } } : {});
    open.push(client);
    return outcome(client);
  };

  it('counts each client behind the proxy under the address X-Forwarded-For gives, not the proxy’s', async () => {
    assert.equal(await via('198.51.100.7'), 'accepted');
    assert.equal(await via('198.51.100.7'), 'accepted');
    assert.deepEqual(await via('198.51.100.7'), { error: 4100, close: 4100, reason: 'Over capacity: too many connections from this address (limit 2)' });
    // A client that prepends its own entry is still known by the address the proxy appended.
    assert.notEqual(await via('203.0.113.50, 198.51.100.7'), 'accepted');
    assert.equal(await via('198.51.100.8'), 'accepted', 'another client behind the same proxy');
    assert.equal(await via(undefined), 'accepted', 'the proxy itself');
    assert.equal(await via('2001:db8:1:2::1'), 'accepted');
    assert.equal(await via('2001:db8:1:2::2'), 'accepted');
    assert.notEqual(await via('2001:db8:1:2::3'), 'accepted', 'IPv6 clients are counted per /64');
    assert.equal(await via('2001:db8:1:3::1'), 'accepted');
  });
});
