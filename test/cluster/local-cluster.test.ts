/**
 * `herald cluster` (the compiled command, with the pinned nats-server on PATH): its members
 * get the `--host` and `--log-level` it was given, and stopping it is prompt even when a
 * member has already died by a signal (it used to wait the drain timeout + 5 s, 35 s, for
 * each such member, because a signal death leaves `exitCode` null).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { forgetChild, freePort, killOnExit } from '../helpers/local-resources';
import { waitFor, within } from '../helpers/wait';

const MAIN = resolve(__dirname, '../../services/herald/src/main.js');
/** Not 127.0.0.1, so a member that missed `--host` (and listens on 0.0.0.0) shows. */
const HOST = '127.0.0.2';
/** Where `herald cluster` puts its members, relative to `--port`. */
const OFFSETS = { 'gateway-1': 0, 'gateway-2': 1, api: 79, 'presence-1': 101, 'presence-2': 102, webhooks: 103 } as const;
type MemberName = keyof typeof OFFSETS;
/** The metrics ports' offsets: the second gateway's leaves room for the first's workers (worker i: its port + i). */
const METRICS_OFFSETS: Record<MemberName, number> = { ...OFFSETS, 'gateway-2': 40 };

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolveOpen) => {
    const socket = connect(port, host);
    socket.once('connect', () => {
      socket.destroy();
      resolveOpen(true);
    });
    socket.once('error', () => resolveOpen(false));
  });
}

/** A base port whose every member port is free on both loopback addresses (and not `avoid`'s). */
async function freeBasePort(avoid?: number): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const base = await freePort();
    if (base + 103 > 65535) continue;
    if (avoid !== undefined && Math.abs(base - avoid) <= 103) continue;
    const ports = Object.values(OFFSETS).map((offset) => base + offset);
    const busy = await Promise.all(ports.flatMap((port) => [canConnect('127.0.0.1', port), canConnect(HOST, port)]));
    if (!busy.includes(true)) return base;
  }
  throw new Error('no free range of ports for the local cluster');
}

/** The children of `parent`, with their command lines (Linux /proc). */
function childrenOf(parent: number): Array<{ pid: number; args: string[] }> {
  const found: Array<{ pid: number; args: string[] }> = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== parent) continue;
      found.push({ pid: Number(entry), args: readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0') });
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('herald cluster', () => {
  let cluster: ChildProcess;
  let base: number;
  let metricsBase: number;
  let output = '';
  const members = new Map<MemberName, number>();

  before(async () => {
    base = await freeBasePort();
    metricsBase = await freeBasePort(base);
    const flags = ['--port', String(base), '--metrics-port', String(metricsBase), '--host', HOST, '--log-level', 'warn', '--workers', '2'];
    cluster = spawn(process.execPath, [MAIN, 'cluster', ...flags], {
      // PATH has the pinned nats-server (scripts/test.sh); no HERALD_* settings but the flags.
      env: { PATH: process.env.PATH ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    killOnExit(cluster);
    cluster.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    cluster.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    await waitFor(() => output.includes('Herald local cluster is up') || cluster.exitCode !== null, 'the local cluster to start', 60_000, 100);
    assert.equal(cluster.exitCode, null, `herald cluster exited:\n${output}`);

    for (const child of childrenOf(cluster.pid ?? 0)) {
      const port = child.args[child.args.indexOf('--port') + 1];
      const name = (Object.keys(OFFSETS) as MemberName[]).find((n) => child.args.includes('--port') && String(base + OFFSETS[n]) === port);
      if (name) members.set(name, child.pid);
    }
    assert.equal(members.size, 6, `members found: ${[...members.keys()].join(', ')}`);
    // Every member, not only the ones the cluster waits for, is up before the tests look.
    for (const name of members.keys()) await waitFor(() => canConnect(HOST, base + OFFSETS[name]), `${name} to listen`, 30_000, 100);
  });

  after(() => {
    for (const pid of members.values()) if (isRunning(pid)) process.kill(pid, 'SIGKILL');
    if (cluster.exitCode === null && cluster.signalCode === null) cluster.kill('SIGKILL');
    forgetChild(cluster);
  });

  it('passes --host to every member: each listens on that address only', async () => {
    for (const name of members.keys()) {
      const port = base + OFFSETS[name];
      const health = await fetch(`http://${HOST}:${port}/healthz`);
      assert.equal(health.status, 200, name);
      assert.equal(await canConnect('127.0.0.1', port), false, `${name} listens on 127.0.0.1:${port} too: it did not get --host ${HOST}`);
    }
  });

  it('gives every member its own metrics port, and each gateway worker its own', async () => {
    for (const name of members.keys()) {
      const port = metricsBase + METRICS_OFFSETS[name];
      const metrics = await fetch(`http://${HOST}:${port}/metrics`);
      assert.equal(metrics.status, 200, `${name} on ${port}`);
      assert.match(await metrics.text(), /^process_cpu_user_seconds_total/m);
      assert.equal((await fetch(`http://${HOST}:${base + OFFSETS[name]}/metrics`)).status, 404, `${name}'s main port`);
    }
    assert.ok(output.includes(`api :${metricsBase + 79}`), 'the banner lists the metrics ports');
    // A scrape of a worker's port reaches that worker alone: two ports, two node ids.
    const nodeOf = async (port: number) => /node="([^"]+)"/.exec(await (await fetch(`http://${HOST}:${port}/metrics`)).text())?.[1];
    for (const gateway of ['gateway-1', 'gateway-2'] as const) {
      const first = metricsBase + METRICS_OFFSETS[gateway];
      const [w0, w1] = await Promise.all([nodeOf(first), nodeOf(first + 1)]);
      assert.match(w0 ?? '', /-gateway-w0-/, `${gateway} worker 0 on ${first}`);
      assert.match(w1 ?? '', /-gateway-w1-/, `${gateway} worker 1 on ${first + 1}`);
      for (let i = 0; i < 5; i++) assert.equal(await nodeOf(first), w0, 'the same worker at every scrape');
    }
  });

  it('passes --log-level to every member: none logs below warn', () => {
    // At their default level (info) each member logs "herald started" and fastify's "Server listening".
    assert.doesNotMatch(output, /"msg":"herald started"/);
    assert.doesNotMatch(output, /Server listening/);
  });

  it('stops promptly, every member gone, after a member was killed by a signal', async () => {
    const killed = members.get('gateway-1') ?? 0;
    process.kill(killed, 'SIGKILL');
    // The cluster notices (an error line, which its warn level shows) before it is stopped.
    await waitFor(() => output.includes('cluster member exited'), 'the cluster to see gateway-1 die', 10_000);

    const exited = new Promise<{ code: number | null }>((resolveExit) => cluster.once('exit', (code) => resolveExit({ code })));
    cluster.kill('SIGTERM');
    // The drain timeout is 30 s: a stop that waited it out for the dead member would take 35 s.
    const { code } = await within(exited, 'herald cluster to stop', 20_000);
    assert.equal(code, 0, output);
    for (const [name, pid] of members) assert.equal(isRunning(pid), false, `${name} (pid ${pid}) still runs`);
  });
});
