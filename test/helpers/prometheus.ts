/**
 * A real Prometheus server for tests (Debian's `prometheus` package, installed by
 * scripts/ensure-deps.sh): scrapes the given targets every second, evaluates the given rule
 * files every second, on a free loopback port with its storage in a temp dir; answers PromQL
 * through its HTTP API as Grafana would ask it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { forgetChild, forgetDir, freePort, killOnExit, removeOnExit } from './local-resources';
import { waitFor } from './wait';

export const SCRAPE_INTERVAL_SECONDS = 1;

export interface PrometheusOptions {
  /** `host:port` of each process to scrape at /metrics. */
  readonly targets: readonly string[];
  readonly ruleFiles?: readonly string[];
}

export interface PromSample {
  readonly metric: Record<string, string>;
  readonly value: [number, string];
}

export interface PrometheusServer {
  readonly url: string;
  /** An instant query at now; rejects when Prometheus answers an error (a PromQL syntax error, say). */
  query(expr: string): Promise<PromSample[]>;
  /** `/api/v1/label/<label>/values?match[]=<selector>`: what Grafana's label_values(selector, label) lists. */
  labelValues(label: string, selector?: string): Promise<string[]>;
  /** Targets whose last scrape failed, with Prometheus's error. */
  unhealthyTargets(): Promise<Array<{ url: string; error: string }>>;
  logs(): string;
  stop(): Promise<void>;
}

/** Prometheus on PATH (Debian puts it in /usr/bin). */
export function prometheusBinary(name: 'prometheus' | 'promtool'): string {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  throw new Error(`${name} not found on PATH (scripts/ensure-deps.sh prometheus installs Debian's prometheus package)`);
}

interface ApiAnswer<T> {
  status: 'success' | 'error';
  data: T;
  error?: string;
}

export async function startPrometheus(options: PrometheusOptions): Promise<PrometheusServer> {
  const dir = mkdtempSync(join(tmpdir(), 'herald-prometheus-'));
  removeOnExit(dir);
  const port = await freePort();
  const configFile = join(dir, 'prometheus.yml');
  writeFileSync(
    configFile,
    stringify({
      global: { scrape_interval: `${SCRAPE_INTERVAL_SECONDS}s`, scrape_timeout: `${SCRAPE_INTERVAL_SECONDS}s`, evaluation_interval: `${SCRAPE_INTERVAL_SECONDS}s` },
      rule_files: options.ruleFiles ?? [],
      scrape_configs: [{ job_name: 'herald', static_configs: [{ targets: options.targets }] }],
    }),
  );
  const logFile = join(dir, 'prometheus.log');
  const out = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(
      prometheusBinary('prometheus'),
      [`--config.file=${configFile}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
      { stdio: ['ignore', out, out] },
    );
  } finally {
    closeSync(out);
  }
  killOnExit(child);
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  const url = `http://127.0.0.1:${port}`;
  const logs = () => readFileSync(logFile, 'utf8');

  async function api<T>(path: string): Promise<T> {
    const response = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(10_000) });
    const answer = (await response.json()) as ApiAnswer<T>;
    if (answer.status !== 'success') throw new Error(`Prometheus ${path}: ${answer.error ?? response.status}`);
    return answer.data;
  }

  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}:\n${logs()}`);
      return (await fetch(`${url}/-/ready`).catch(() => undefined))?.status === 200;
    },
    'Prometheus to be ready',
    20_000,
    100,
  ).catch((err: Error) => {
    throw new Error(`${err.message}\n${logs()}`);
  });

  return {
    url,
    logs,
    query: async (expr) => (await api<{ result: PromSample[] }>(`/api/v1/query?query=${encodeURIComponent(expr)}`)).result,
    labelValues: (label, selector) => api<string[]>(`/api/v1/label/${encodeURIComponent(label)}/values${selector ? `?match[]=${encodeURIComponent(selector)}` : ''}`),
    unhealthyTargets: async () =>
      (await api<{ activeTargets: Array<{ scrapeUrl: string; health: string; lastError: string }> }>('/api/v1/targets')).activeTargets
        .filter((t) => t.health !== 'up')
        .map((t) => ({ url: t.scrapeUrl, error: t.lastError })),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const hung = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(hung);
      forgetChild(child);
      rmSync(dir, { recursive: true, force: true });
      forgetDir(dir);
    },
  };
}
