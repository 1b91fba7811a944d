/**
 * `--metrics-port` for every kind of cluster process (gateway, api, presence, webhooks, all),
 * each a real process on a real nats-server: `/metrics`, `/readyz` and `/healthz` on the
 * metrics port, and the public port without `/metrics` and `/readyz`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type HeraldProcess, startHeraldProcess } from '../helpers/herald-process';
import { freePort } from '../helpers/local-resources';
import { type NatsServer, startNatsServer } from '../helpers/nats';
import { DEFAULT_TEST_APP, writeAppsFile } from '../helpers/test-herald';
import { waitFor } from '../helpers/wait';

const KINDS = ['gateway', 'api', 'presence', 'webhooks', 'all'] as const;

async function get(port: number, path: string): Promise<{ status: number; text: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(5000) });
  return { status: response.status, text: await response.text() };
}

describe('metrics listener in cluster mode', () => {
  let nats: NatsServer;
  const processes: Array<{ kind: (typeof KINDS)[number]; process: HeraldProcess; metricsPort: number }> = [];

  before(async () => {
    nats = await startNatsServer();
    const appsFile = writeAppsFile([DEFAULT_TEST_APP]);
    for (const kind of KINDS) {
      const metricsPort = await freePort();
      const process = await startHeraldProcess({ command: kind, nats: [nats.url], appsFile, args: ['--metrics-port', String(metricsPort)], waitReady: false });
      processes.push({ kind, process, metricsPort });
    }
    for (const { kind, process, metricsPort } of processes) {
      await waitFor(async () => (await get(metricsPort, '/readyz')).status === 200, `${kind} to be ready on its metrics port`, 20_000, 100).catch((err: Error) => {
        throw new Error(`${err.message}\n${process.logs()}`);
      });
    }
  });
  after(async () => {
    for (const { process } of processes) await process.kill('SIGTERM');
    await nats?.stop();
  });

  for (const kind of KINDS) {
    it(`${kind}: /metrics, /readyz and /healthz on the metrics port`, async () => {
      const { metricsPort } = processes.find((p) => p.kind === kind) ?? assert.fail(kind);
      const metrics = await get(metricsPort, '/metrics');
      assert.equal(metrics.status, 200);
      assert.match(metrics.text, /^process_cpu_user_seconds_total\{[^}]*node="[^"]+"[^}]*\} /m, 'the process’s own registry');
      if (kind === 'gateway' || kind === 'all') assert.match(metrics.text, /^herald_gateway_connections\{/m);
      if (kind === 'webhooks' || kind === 'all') assert.match(metrics.text, /^herald_webhooks_delivered_total\{/m);
      assert.deepEqual(JSON.parse((await get(metricsPort, '/readyz')).text), { status: 'ready' });
      assert.deepEqual(JSON.parse((await get(metricsPort, '/healthz')).text), { status: 'ok' });
    });

    it(`${kind}: the public port keeps /healthz only`, async () => {
      const { process } = processes.find((p) => p.kind === kind) ?? assert.fail(kind);
      for (const path of ['/metrics', '/readyz']) {
        const answer = await get(process.port, path);
        assert.deepEqual([answer.status, JSON.parse(answer.text)], [404, { error: `Not found: GET ${path}` }], `${kind} ${path}`);
      }
      assert.equal((await get(process.port, '/healthz')).status, 200);
    });
  }
});
