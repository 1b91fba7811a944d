/**
 * HERALD_METRICS_PORT: `/metrics`, `/healthz` and `/readyz` on a listener of their own, and the
 * public port no longer serving `/metrics` and `/readyz` (it keeps `/healthz`, which says only
 * "ok"); WebSockets and the HTTP API stay on the public port. Unset, everything is on the
 * public port as before. The listener outlives the drain, so `/readyz` shows it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type PusherJs from 'pusher-js';
import { freePort } from '../helpers/local-resources';
import { connectedClient, nextEvent, serverSdk, subscribed } from '../helpers/pusher-clients';
import { startTestHerald, type TestApp, type TestHerald } from '../helpers/test-herald';
import { waitFor } from '../helpers/wait';

const APP: TestApp = { id: 'metrics-app', key: 'metrics-key', secret: 'metrics-secret' };

async function get(port: number, path: string): Promise<{ status: number; contentType: string; text: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(5000) });
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', text: await response.text() };
}

describe('separate metrics listener', () => {
  let herald: TestHerald;
  let metricsPort: number;
  let client: PusherJs;

  before(async () => {
    herald = await startTestHerald({ apps: [APP], env: { HERALD_METRICS_PORT: '0' } });
    metricsPort = herald.metricsPort ?? 0;
    client = await connectedClient(herald, APP);
  });
  after(async () => {
    client.disconnect();
    await herald.stop();
  });

  it('listens on a port of its own', () => {
    assert.ok(metricsPort > 0, 'metricsPort is set');
    assert.notEqual(metricsPort, herald.port);
  });

  it('serves /metrics there, with the gateway’s metrics', async () => {
    const metrics = await get(metricsPort, '/metrics');
    assert.equal(metrics.status, 200);
    assert.match(metrics.contentType, /^text\/plain/);
    assert.match(metrics.text, /^herald_gateway_connections\{[^}]*\} 1$/m, 'the connected client is counted');
  });

  it('serves /readyz and /healthz there', async () => {
    const ready = await get(metricsPort, '/readyz');
    assert.deepEqual([ready.status, JSON.parse(ready.text)], [200, { status: 'ready' }]);
    const health = await get(metricsPort, '/healthz');
    assert.deepEqual([health.status, JSON.parse(health.text)], [200, { status: 'ok' }]);
  });

  it('no longer serves /metrics or /readyz on the public port', async () => {
    for (const path of ['/metrics', '/readyz']) {
      const answer = await get(herald.port, path);
      assert.equal(answer.status, 404, `${path}: ${answer.text}`);
      assert.deepEqual(JSON.parse(answer.text), { error: `Not found: GET ${path}` });
    }
  });

  it('keeps /healthz, WebSockets and the HTTP API on the public port', async () => {
    const health = await get(herald.port, '/healthz');
    assert.deepEqual([health.status, JSON.parse(health.text)], [200, { status: 'ok' }]);
    const channel = await subscribed(client, 'metered');
    const arrived = nextEvent(channel, 'e');
    await serverSdk(herald, APP).trigger('metered', 'e', { n: 1 });
    assert.deepEqual(await arrived, { n: 1 });
  });
});

describe('metrics listener during shutdown', () => {
  it('answers /readyz with 503 while the gateway drains, then closes', async () => {
    // One socket per second: two clients keep the drain going for a second or more.
    const herald = await startTestHerald({ apps: [APP], env: { HERALD_METRICS_PORT: '0', HERALD_DRAIN_RATE: '1' } });
    const port = herald.metricsPort ?? 0;
    const clients = [await connectedClient(herald, APP), await connectedClient(herald, APP)];
    try {
      assert.equal((await get(port, '/readyz')).status, 200);
      const stopped = herald.stop();
      const draining = await waitFor(async () => {
        const ready = await get(port, '/readyz');
        return ready.status === 503 ? ready : undefined;
      }, '/readyz to turn 503');
      assert.match(draining.text, /draining/);
      await stopped;
      await assert.rejects(get(port, '/readyz'), 'the metrics listener is closed after the node stops');
    } finally {
      for (const c of clients) c.disconnect();
    }
  });
});

describe('without HERALD_METRICS_PORT', () => {
  let herald: TestHerald;
  before(async () => {
    herald = await startTestHerald({ apps: [APP] });
  });
  after(() => herald.stop());

  it('serves /metrics, /readyz and /healthz on the public port, as before', async () => {
    assert.equal(herald.metricsPort, undefined);
    assert.equal((await get(herald.port, '/metrics')).status, 200);
    assert.equal((await get(herald.port, '/readyz')).status, 200);
    assert.equal((await get(herald.port, '/healthz')).status, 200);
  });
});

describe('HERALD_METRICS_PORT equal to the main port', () => {
  it('stops the start with a message naming both', async () => {
    const port = await freePort();
    await assert.rejects(
      startTestHerald({ apps: [APP], env: { HERALD_PORT: String(port), HERALD_METRICS_PORT: String(port) } }),
      /the metrics port \(\d+\) must differ from the main port/,
    );
  });
});
