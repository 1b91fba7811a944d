#!/usr/bin/env node
/**
 * `make bench`'s last step: reads the runner's JSON results of one bench run
 * (`<server>-<measurement>.json` for server ∈ embedded, cluster, baseline) and prints the
 * Herald/baseline comparison with the issue's targets. Also writes summary.json and
 * summary.txt beside the results.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatBytes } from './report-table';
import type { RunResult } from './run-result';

const SERVERS = ['embedded', 'cluster', 'baseline'] as const;
type Server = (typeof SERVERS)[number];

/** Which way is better, and the ratio (Herald / baseline) each Herald mode must reach. */
interface Metric {
  readonly name: string;
  readonly file: string;
  readonly value: (r: RunResult) => number | null;
  readonly show: (v: number, r: RunResult) => string;
  readonly higherIsBetter: boolean;
  readonly targets: Partial<Record<Exclude<Server, 'baseline'>, number>>;
  /** A yes/no target instead of a ratio, for the listed Herald modes. */
  readonly absolute?: { readonly servers: readonly Exclude<Server, 'baseline'>[]; readonly check: (r: RunResult) => boolean; readonly text: string };
}

function load(dir: string, server: Server, file: string): RunResult | undefined {
  const path = join(dir, `${server}-${file}.json`);
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as RunResult;
  } catch {
    return undefined;
  }
}

function metrics(env: Record<string, string>): Metric[] {
  const subs = env.BENCH_SUBSCRIBERS ?? '?';
  return [
    {
      name: `fan-out max publish rate, ${subs} subscribers, ${env.BENCH_PAYLOAD_BYTES ?? '?'} B (≥ 99.9 % delivered, p99 < 100 ms)`,
      file: 'fanout-max',
      value: (r) => r.findMax?.maxPassingRate ?? null,
      show: (v) => `${v}/s`,
      higherIsBetter: true,
      targets: { embedded: 0.8, cluster: 0.6 },
    },
    {
      name: `p99 latency at ${env.BENCH_LATENCY_RATE ?? '?'} publishes/s to ${subs} subscribers`,
      file: 'fanout-latency',
      value: (r) => (r.latencyMs.count > 0 ? r.latencyMs.p99 : null),
      show: (v, r) => `${v} ms (${r.delivery.percent} %)`,
      higherIsBetter: false,
      targets: { embedded: 1.5, cluster: 1.5 },
    },
    {
      name: `RSS per idle subscribed connection (${env.BENCH_IDLE_CONNECTIONS ?? '?'} connections)`,
      file: 'idle',
      value: (r) => r.server.rssPerConnectionBytes,
      show: (v) => formatBytes(v),
      higherIsBetter: false,
      targets: { embedded: 1.5 },
    },
    {
      name: `idle connections held (${env.BENCH_IDLE_CONNECTIONS ?? '?'})`,
      file: 'idle',
      value: (r) => r.stability.openAtEnd,
      show: (v, r) => `${v === r.connections.requested ? 'yes' : 'NO'} (${v}/${r.connections.requested})`,
      higherIsBetter: true,
      targets: {},
      absolute: { servers: ['embedded'], check: (r) => r.stability.openAtEnd === r.connections.requested, text: 'embedded holds all' },
    },
    {
      name: `many-channels sustained publish rate, ${env.BENCH_CHANNELS ?? '?'} channels × 1 subscriber`,
      file: 'many-channels-max',
      value: (r) => r.findMax?.maxPassingRate ?? null,
      show: (v) => `${v}/s`,
      higherIsBetter: true,
      targets: { embedded: 0.7, cluster: 0.7 },
    },
  ];
}

interface Row {
  readonly metric: string;
  readonly values: Record<Server, string>;
  readonly ratios: Record<'embedded' | 'cluster', string>;
  readonly raw: Record<Server, number | null>;
  readonly ratioValues: Record<'embedded' | 'cluster', number | null>;
  readonly verdicts: Record<'embedded' | 'cluster', 'pass' | 'FAIL' | '-'>;
}

function compare(dir: string, env: Record<string, string>): Row[] {
  return metrics(env).map((m) => {
    const results = Object.fromEntries(SERVERS.map((s) => [s, load(dir, s, m.file)])) as Record<Server, RunResult | undefined>;
    const raw = Object.fromEntries(SERVERS.map((s) => [s, results[s] ? m.value(results[s]!) : null])) as Record<Server, number | null>;
    const values = Object.fromEntries(SERVERS.map((s) => [s, raw[s] === null ? 'n/a' : m.show(raw[s]!, results[s]!)])) as Record<Server, string>;
    const ratioValues = { embedded: null, cluster: null } as Record<'embedded' | 'cluster', number | null>;
    const ratios = { embedded: '-', cluster: '-' } as Record<'embedded' | 'cluster', string>;
    const verdicts = { embedded: '-', cluster: '-' } as Row['verdicts'];
    for (const s of ['embedded', 'cluster'] as const) {
      const target = m.targets[s];
      if (m.absolute) {
        const result = results[s];
        if (m.absolute.servers.includes(s) && result) verdicts[s] = m.absolute.check(result) ? 'pass' : 'FAIL';
        continue;
      }
      const h = raw[s];
      const b = raw.baseline;
      if (h === null || b === null || b <= 0) continue;
      const ratio = Math.round((h / b) * 100) / 100;
      ratioValues[s] = ratio;
      ratios[s] = `${ratio.toFixed(2)}×`;
      if (target !== undefined) verdicts[s] = (m.higherIsBetter ? ratio >= target : ratio <= target) ? 'pass' : 'FAIL';
    }
    const targetText =
      m.absolute?.text ??
      Object.entries(m.targets)
        .map(([s, t]) => `${s} ${m.higherIsBetter ? '≥' : '≤'} ${t}×`)
        .join(', ');
    return { metric: targetText ? `${m.name} [target: ${targetText}]` : m.name, values, ratios, raw, ratioValues, verdicts };
  });
}

function table(rows: Row[]): string {
  const header = ['metric', 'embedded', 'cluster', 'baseline', 'emb/base', 'clu/base', 'embedded', 'cluster'];
  const lines = rows.map((r) => [r.metric, r.values.embedded, r.values.cluster, r.values.baseline, r.ratios.embedded, r.ratios.cluster, r.verdicts.embedded, r.verdicts.cluster]);
  const all = [header, ...lines];
  const widths = header.map((_, i) => Math.max(...all.map((l) => l[i].length)));
  const fmt = (l: string[]) => l.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [fmt(header), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.map(fmt)].join('\n');
}

function main(): void {
  const dir = process.argv[2];
  if (!dir) {
    process.stderr.write('usage: bench-compare RESULTS_DIR\n');
    process.exit(2);
  }
  const env = Object.fromEntries(Object.entries(process.env).filter(([k, v]) => k.startsWith('BENCH_') && v !== undefined)) as Record<string, string>;
  const rows = compare(dir, env);
  const settings = Object.entries(env)
    .sort()
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  const text = `Herald vs baseline (${dir})\nsettings: ${settings}\n\n${table(rows)}\n`;
  process.stdout.write(text);
  writeFileSync(join(dir, 'summary.txt'), text);
  writeFileSync(join(dir, 'summary.json'), `${JSON.stringify({ settings: env, rows }, null, 2)}\n`);
}

main();
