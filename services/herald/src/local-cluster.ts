/**
 * `herald cluster` / `make cluster`: a whole cluster on this machine for trying Herald out —
 * nats-server, two gateways, two presence replicas and the api, each its own process.
 * Ctrl-C stops them all, gateways first (they drain), NATS last.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HeraldConfig } from '../../core/src/config/load-config';
import type { Logger } from '../../core/src/logging/logger';
import { appCredentialsLine, secretsNotice } from './banner';

interface Member {
  readonly name: string;
  readonly process: ChildProcess;
}

/** The second gateway's metrics ports start here above the first's: room for 39 workers' ports in between. */
const GATEWAY_2_METRICS_OFFSET = 40;

/** A child killed by a signal has a null exitCode and a signalCode: both mean it is gone. */
function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** What to connect to when a member listens on `host` (every address: this machine's loopback). */
function reachableHost(host: string): string {
  return host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
}

function findNatsServer(): string {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(join(dir, 'nats-server'))) return join(dir, 'nats-server');
  }
  for (const candidate of ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server']) {
    if (existsSync(candidate)) return candidate;
  }
  throw new Error('nats-server not found: run `make cluster` (it builds the pinned release), put one on PATH, or pass --nats to use a running one');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function waitForPort(port: number, timeoutMs: number, host = '127.0.0.1'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, host);
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing listens on port ${port} after ${timeoutMs} ms`);
}

export async function runLocalCluster(config: HeraldConfig, logger: Logger, appsFile: string | undefined): Promise<void> {
  const members: Member[] = [];
  const start = (name: string, command: string, args: string[], env: NodeJS.ProcessEnv = process.env) => {
    // Own process group: Ctrl-C reaches only this process, which stops members in order.
    const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'], env, detached: true });
    members.push({ name, process: child });
    child.on('exit', (code, signal) => {
      if (!stopping) logger.error({ member: name, code, signal }, 'cluster member exited');
    });
    return child;
  };
  let stopping = false;

  let natsUrl = config.server.natsServers.join(',');
  if (!natsUrl) {
    const natsPort = await freePort();
    const store = mkdtempSync(join(tmpdir(), 'herald-cluster-nats-'));
    start('nats-server', findNatsServer(), ['-a', '127.0.0.1', '-p', String(natsPort), '-js', '-sd', store, '-l', join(store, 'nats-server.log')]);
    await waitForPort(natsPort, 10_000);
    natsUrl = `nats://127.0.0.1:${natsPort}`;
  }

  const { server } = config;
  const base = server.port ?? 6001;
  const host = reachableHost(server.host);
  const main = process.argv[1];
  // The settings given to `herald cluster` as flags hold for every member (env vars they inherit).
  const metricsHost = server.metricsHost === undefined ? [] : ['--metrics-host', server.metricsHost];
  const shared = ['--nats', natsUrl, '--host', server.host, '--log-level', server.logLevel, ...metricsHost, ...(appsFile ? ['--apps', appsFile] : [])];
  const gatewayOnly = server.gatewayWorkers === undefined ? [] : ['--workers', String(server.gatewayWorkers)];
  const env = { ...process.env, HERALD_GATEWAY_WORKERS: process.env.HERALD_GATEWAY_WORKERS ?? '1' };
  // Each member its own metrics port, at its main port's offset (0 stays "any free port"), but
  // the second gateway's at +40: a gateway's worker i serves its metrics on its port + i.
  const metricsPort = (offset: number) => (server.metricsPort ? server.metricsPort + offset : server.metricsPort);
  const herald = (name: string, command: string, offset: number, extra: string[] = [], metricsOffset = offset) => {
    const ports = ['--port', String(base + offset), ...(server.metricsPort === undefined ? [] : ['--metrics-port', String(metricsPort(metricsOffset))])];
    start(name, process.execPath, ['--enable-source-maps', main, command, ...ports, ...extra, ...shared], env);
  };
  herald('presence-1', 'presence', 101);
  herald('presence-2', 'presence', 102);
  herald('api', 'api', 79);
  herald('webhooks', 'webhooks', 103);
  herald('gateway-1', 'gateway', 0, gatewayOnly);
  herald('gateway-2', 'gateway', 1, gatewayOnly, GATEWAY_2_METRICS_OFFSET);
  await Promise.all([base, base + 1, base + 79].map((p) => waitForPort(p, 20_000, host)));

  const app = config.apps[0];
  process.stdout.write(
    [
      '',
      '  Herald local cluster is up:',
      `    NATS          ${natsUrl}`,
      `    gateways      ws://${host}:${base}   ws://${host}:${base + 1}`,
      `    HTTP API      http://${host}:${base + 79}`,
      `    presence      health on :${base + 101} and :${base + 102}`,
      `    webhooks      health on :${base + 103}`,
      app ? `    app           ${appCredentialsLine(app, config.secretsIn)}` : `    apps          from ${config.appsSource}`,
      ...secretsNotice(config.secretsIn),
      ...(server.metricsPort
        ? [
            `    metrics       gateways :${metricsPort(0)}+ :${metricsPort(GATEWAY_2_METRICS_OFFSET)}+ (one port per worker), api :${metricsPort(79)}, presence :${metricsPort(101)} :${metricsPort(102)}, webhooks :${metricsPort(103)}`,
          ]
        : []),
      '  Ctrl-C stops everything.',
      '',
      '',
    ].join('\n'),
  );

  const stop = async () => {
    if (stopping) return;
    stopping = true;
    // Gateways first (they drain and release their leases), then api and presence, NATS last.
    const order = ['gateway-1', 'gateway-2', 'api', 'presence-1', 'presence-2', 'webhooks', 'nats-server'];
    for (const name of order) {
      const member = members.find((m) => m.name === name);
      if (!member || hasExited(member.process)) continue;
      const exited = new Promise((resolve) => member.process.once('exit', resolve));
      member.process.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, config.server.drainTimeoutMs + 5000))]);
      if (!hasExited(member.process)) member.process.kill('SIGKILL');
    }
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  // Never leave members running if this process goes away some other way.
  process.on('exit', () => {
    for (const member of members) if (!hasExited(member.process)) member.process.kill('SIGKILL');
  });
}
