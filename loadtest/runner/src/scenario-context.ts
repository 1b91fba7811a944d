/**
 * What every scenario needs: the worker pool, the publisher, connection planning over workers
 * and source addresses, waiting for deliveries to drain, merged stats and server memory.
 */
import { ApiPublisher } from './api-publisher';
import { sleep } from './clock';
import { isLoopback, parseTarget, type SocketEndpoint, sourceAddresses } from './endpoint';
import { type LatencyHistogram, mergeEncoded } from './latency-histogram';
import { pidsListeningOn } from './listening-process';
import type { RunOptions } from './run-options';
import type { ConnectionReport, DeliveryReport, RunResult, ServerReport, StabilityReport } from './run-result';
import { serverRss } from './server-process';
import { WorkerPool } from './worker-pool';
import type { ConnectionSpec, CountResult, OpenResult, StatsResult } from './worker-protocol';

export interface Collected {
  readonly delivered: number;
  readonly latency: LatencyHistogram;
  readonly memberAdded: number;
  readonly stability: StabilityReport;
}

function addCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [key, n] of Object.entries(from)) into[key] = (into[key] ?? 0) + n;
}

export function deliveryReport(expected: number, delivered: number): DeliveryReport {
  const percent = expected === 0 ? 100 : Math.floor((delivered / expected) * 100_000) / 1000;
  return { expected, delivered, percent, complete: delivered >= expected };
}

export class ScenarioContext {
  readonly pool: WorkerPool;
  readonly endpoint: SocketEndpoint;
  readonly startedAt = new Date().toISOString();
  readonly rssBeforeBytes: number | null;
  /** --server-pid, or else for a loopback target the processes listening on its port. */
  readonly serverPids: readonly number[];
  private readonly serverPidsFoundBy: ServerReport['pidsFoundBy'];
  private readonly addresses: string[];
  private apiPublisher: ApiPublisher | undefined;

  constructor(readonly options: RunOptions) {
    this.endpoint = parseTarget(options.target, options.key);
    this.addresses = sourceAddresses(options.sourceAddresses, this.endpoint.host, options.connections);
    // IPv4 source addresses need an IPv4 destination; `localhost` may resolve to ::1.
    if (this.addresses.length > 0 && this.endpoint.host === 'localhost') this.endpoint = { ...this.endpoint, host: '127.0.0.1' };
    const byPort = options.serverPids.length === 0 && isLoopback(this.endpoint.host) ? pidsListeningOn(this.endpoint.port) : [];
    this.serverPids = options.serverPids.length > 0 ? options.serverPids : byPort;
    this.serverPidsFoundBy = options.serverPids.length > 0 ? 'option' : byPort.length > 0 ? 'port' : null;
    this.rssBeforeBytes = serverRss(this.serverPids);
    this.pool = new WorkerPool(options.workers, {
      endpoint: this.endpoint,
      app: { appId: options.appId, key: options.key, secret: options.secret },
      timeoutMs: options.timeoutMs,
    });
  }

  get publisher(): ApiPublisher {
    this.apiPublisher ??= new ApiPublisher(this.options.api, { appId: this.options.appId, key: this.options.key, secret: this.options.secret });
    return this.apiPublisher;
  }

  /** Specs per worker: connection i goes to worker `workerOf(i)` and is spread over the source addresses. */
  plan(count: number, build: (i: number) => Omit<ConnectionSpec, 'index' | 'localAddress'>, workerOf?: (i: number) => number): ConnectionSpec[][] {
    const workers = this.pool.size;
    const perWorker: ConnectionSpec[][] = Array.from({ length: workers }, () => []);
    for (let i = 0; i < count; i += 1) {
      const w = workerOf ? workerOf(i) % workers : i % workers;
      const slot = perWorker[w].length;
      const localAddress = this.addresses.length > 0 ? this.addresses[slot % this.addresses.length] : undefined;
      perWorker[w].push({ index: i, ...build(i), localAddress });
    }
    return perWorker;
  }

  async open(perWorker: ConnectionSpec[][], concurrency = this.options.connectConcurrency): Promise<{ report: ConnectionReport; failed: Set<number> }> {
    const results = await this.pool.all<OpenResult>((w) => ({ cmd: 'open', specs: perWorker[w], concurrency }));
    const failures: Record<string, number> = {};
    const failed = new Set<number>();
    for (const r of results) {
      addCounts(failures, r.failures);
      for (const i of r.failedIndices) failed.add(i);
    }
    const sum = (pick: (r: OpenResult) => number) => results.reduce((n, r) => n + pick(r), 0);
    const setupSeconds = (Math.max(...results.map((r) => r.finishedAtMs)) - Math.min(...results.map((r) => r.startedAtMs))) / 1000;
    const established = sum((r) => r.established);
    return {
      failed,
      report: {
        requested: sum((r) => r.attempted),
        established,
        subscribed: sum((r) => r.subscribed),
        failed: failed.size,
        failures,
        setupSeconds: Math.round(setupSeconds * 1000) / 1000,
        setupRate: setupSeconds > 0 ? Math.round(established / setupSeconds) : 0,
        connectLatencyMs: mergeEncoded(results.map((r) => r.connectLatency)).summary(),
        subscribeLatencyMs: mergeEncoded(results.map((r) => r.subscribeLatency)).summary(),
      },
    };
  }

  async reset(): Promise<void> {
    await this.pool.all({ cmd: 'reset' });
  }

  async delivered(): Promise<number> {
    const counts = await this.pool.all<CountResult>({ cmd: 'count' });
    return counts.reduce((n, c) => n + c.delivered, 0);
  }

  /** Waits until `expected` messages arrived, or nothing arrived for drainIdleMs, or drainTimeoutMs passed. */
  async awaitDeliveries(expected: number): Promise<number> {
    const deadline = Date.now() + this.options.drainTimeoutMs;
    let last = -1;
    let lastChange = Date.now();
    for (;;) {
      const delivered = await this.delivered();
      if (delivered >= expected) return delivered;
      if (delivered !== last) {
        last = delivered;
        lastChange = Date.now();
      }
      if (Date.now() - lastChange >= this.options.drainIdleMs || Date.now() >= deadline) return delivered;
      await sleep(100);
    }
  }

  async collect(): Promise<Collected> {
    const stats = await this.pool.all<StatsResult>({ cmd: 'stats' });
    const unexpectedCloses: Record<string, number> = {};
    const pusherErrors: Record<string, number> = {};
    for (const s of stats) {
      addCounts(unexpectedCloses, s.unexpectedCloses);
      addCounts(pusherErrors, s.pusherErrors);
    }
    return {
      delivered: stats.reduce((n, s) => n + s.delivered, 0),
      memberAdded: stats.reduce((n, s) => n + s.memberAdded, 0),
      latency: mergeEncoded(stats.map((s) => s.latency)),
      stability: { openAtEnd: stats.reduce((n, s) => n + s.open, 0), unexpectedCloses, pusherErrors },
    };
  }

  serverReport(connections: number): ServerReport {
    const after = serverRss(this.serverPids);
    const before = this.rssBeforeBytes;
    const perConnection = before !== null && after !== null && connections > 0 ? Math.round((after - before) / connections) : null;
    return { pids: this.serverPids, pidsFoundBy: this.serverPidsFoundBy, rssBeforeBytes: before, rssAfterBytes: after, rssPerConnectionBytes: perConnection };
  }

  /** The fields every scenario reports the same way. */
  result(fields: Omit<RunResult, 'tool' | 'scenario' | 'target' | 'api' | 'startedAt' | 'settings' | 'mode' | 'complete'> & { mode?: RunResult['mode'] }): RunResult {
    const o = this.options;
    const { mode, ...rest } = fields;
    return {
      tool: 'herald-loadtest',
      scenario: o.scenario,
      mode: mode ?? 'single',
      target: o.target,
      api: o.api,
      startedAt: this.startedAt,
      settings: {
        connections: o.connections,
        rate: o.rate,
        durationSeconds: o.durationSeconds,
        payloadBytes: o.payloadBytes,
        workers: o.workers,
        sourceAddresses: this.addresses,
        channels: o.channels,
        membersPerChannel: o.membersPerChannel,
        churnRate: o.churnRate,
        clientEventRate: o.clientEventRate,
        findMax: o.findMax,
      },
      ...rest,
      complete: fields.delivery.complete && fields.connections.subscribed === fields.connections.requested && fields.connections.failed === 0,
    };
  }

  async close(): Promise<void> {
    this.apiPublisher?.close();
    await this.pool.close();
  }
}
