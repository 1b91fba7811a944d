/**
 * The overload guard: past a number of open WebSockets per process, or a memory threshold,
 * new connections get 4100 "Over capacity" (pusher-js backs off and retries) and /readyz
 * answers 503 so a load balancer sends new clients elsewhere. Clients already connected keep
 * their events; the HTTP API keeps working.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type PusherJs from 'pusher-js';
import { connectedClient, createClient, nextEvent, serverSdk, subscribed } from '../helpers/pusher-clients';
import { rawClient } from '../helpers/raw-client';
import { DEFAULT_TEST_APP, startTestHerald, type TestHerald } from '../helpers/test-herald';
import { waitFor, within } from '../helpers/wait';

const APP = DEFAULT_TEST_APP;

interface ConnectionError {
  error?: { data?: { code?: number; message?: string } };
}

function nextConnectionError(client: PusherJs): Promise<ConnectionError> {
  return within(new Promise<ConnectionError>((resolve) => client.connection.bind('error', resolve)), 'an error on the pusher-js connection');
}

async function readiness(herald: TestHerald): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${herald.httpUrl}/readyz`);
  return { status: response.status, body: await response.json() };
}

describe('overload guard: HERALD_MAX_CONNECTIONS_PER_PROCESS', () => {
  let herald: TestHerald;
  const clients: PusherJs[] = [];
  before(async () => {
    herald = await startTestHerald({ env: { HERALD_MAX_CONNECTIONS_PER_PROCESS: '3' } });
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    await herald.stop();
  });

  it('refuses a fourth connection with 4100 and turns /readyz 503; the three keep their events; the fourth gets in once one leaves', async () => {
    assert.equal((await readiness(herald)).status, 200);
    const three = await Promise.all([0, 1, 2].map(() => connectedClient(herald, APP)));
    clients.push(...three);
    const channels = await Promise.all(three.map((c) => subscribed(c, 'busy')));

    const fourth = createClient(herald, APP);
    clients.push(fourth);
    const error = await nextConnectionError(fourth);
    assert.deepEqual([error.error?.data?.code, error.error?.data?.message], [4100, 'Over capacity: this server is at its limit of 3 connections']);
    assert.deepEqual(await readiness(herald), {
      status: 503,
      body: { status: 'unavailable', problems: { gateway: 'over capacity: this server is at its limit of 3 connections' } },
    });

    const events = channels.map((channel) => nextEvent(channel, 'news'));
    await serverSdk(herald, APP).trigger('busy', 'news', { n: 1 });
    assert.deepEqual(await Promise.all(events), Array(3).fill({ n: 1 }));

    three[0].disconnect();
    await waitFor(() => fourth.connection.state === 'connected', 'the fourth client to get in by itself', 10_000);
    three[1].disconnect();
    await waitFor(async () => (await readiness(herald)).status === 200, '/readyz to recover');
  });
});

describe('overload guard: HERALD_OVERLOAD_MAX_RSS_MB', () => {
  let herald: TestHerald;
  const clients: PusherJs[] = [];
  before(async () => {
    // No Node process fits in 1 MiB: this one is past the threshold from the start.
    herald = await startTestHerald({ env: { HERALD_OVERLOAD_MAX_RSS_MB: '1' } });
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    await herald.stop();
  });

  it('refuses new WebSockets with 4100 while memory is past the threshold; pusher-js keeps retrying; the HTTP API works', async () => {
    const client = createClient(herald, APP);
    clients.push(client);
    const error = await nextConnectionError(client);
    assert.equal(error.error?.data?.code, 4100);
    assert.match(error.error?.data?.message ?? '', /^Over capacity: this server is short of memory \(resident \d+ MiB, limit 1 MiB\)$/);
    await nextConnectionError(client);
    assert.notEqual(client.connection.state, 'disconnected', 'pusher-js does not give up');

    const raw = await rawClient(herald.port, APP.key);
    assert.equal((await raw.closed).code, 4100);
    assert.equal((await serverSdk(herald, APP).trigger('any', 'e', {})).status, 200);
    assert.equal((await fetch(`${herald.httpUrl}/healthz`)).status, 200);
    const readyz = await readiness(herald);
    assert.equal(readyz.status, 503);
    assert.match(JSON.stringify(readyz.body), /over capacity: this server is short of memory/);
    const metrics = await (await fetch(`${herald.httpUrl}/metrics`)).text();
    assert.match(metrics, /^herald_gateway_connections_refused_total\{reason="memory"[^}]*\} [1-9]/m);
  });
});
