/** The human-readable report of a run, printed to stdout. */
import type { LatencySummary } from './latency-histogram';
import type { RunResult } from './run-result';

export function formatBytes(bytes: number | null): string {
  if (bytes === null) return 'n/a';
  const abs = Math.abs(bytes);
  if (abs >= 1024 * 1024 * 1024) return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
  if (abs >= 1024 * 1024) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  if (abs >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} B`;
}

function latency(l: LatencySummary): string {
  if (l.count === 0) return 'no samples';
  return `p50 ${l.p50}  p90 ${l.p90}  p99 ${l.p99}  p99.9 ${l.p999}  max ${l.max}  (n=${l.count})`;
}

function counts(c: Record<string, number>): string {
  const entries = Object.entries(c);
  return entries.length === 0 ? 'none' : entries.map(([k, n]) => `${k}: ${n}`).join(', ');
}

export function reportTable(r: RunResult): string {
  const rows: Array<[string, string]> = [];
  const c = r.connections;
  rows.push(['scenario', `${r.scenario}${r.mode === 'find-max' ? ' (find-max)' : ''} → ${r.target} (api ${r.api})`]);
  rows.push(['connections', `requested ${c.requested}  established ${c.established}  subscribed ${c.subscribed}  failed ${c.failed}`]);
  if (c.failed > 0) rows.push(['  failures', counts(c.failures)]);
  rows.push(['set-up', `${c.setupSeconds} s, ${c.setupRate} connections/s`]);
  rows.push(['  connect ms', latency(c.connectLatencyMs)]);
  if (c.subscribeLatencyMs.count > 0) rows.push(['  subscribe ms', latency(c.subscribeLatencyMs)]);
  if (r.publish) {
    const p = r.publish;
    rows.push([
      'publish',
      `target ${p.targetRate}/s for ${p.seconds} s: attempted ${p.attempted}, accepted ${p.accepted}, achieved ${p.achievedRate}/s${p.fellBehind ? ' (FELL BEHIND)' : ''}`,
    ]);
    if (p.failed > 0) rows.push(['  statuses', counts(p.statuses)]);
    rows.push(['  api ms', latency(p.apiLatencyMs)]);
  }
  if (r.cpu) rows.push(['cpu (cores)', `runner ${r.cpu.runnerCores}, server ${r.cpu.serverCores ?? 'n/a'}`]);
  if (r.clientEvents) rows.push(['client events', `${r.clientEvents.sent} sent by ${r.clientEvents.senders} connections at ${r.clientEvents.ratePerConnection}/s each`]);
  if (r.presence) {
    const p = r.presence;
    rows.push(['presence', `${p.leaves} leaves, ${p.joins} rejoins, ${p.memberAddedReceived} member_added received`]);
    rows.push(['  join ms', latency(p.joinLatencyMs)]);
    if (Object.keys(p.joinFailures).length > 0) rows.push(['  join failures', counts(p.joinFailures)]);
    rows.push(['  views', `${p.consistentViews} of ${p.views} consistent${p.firstMismatch ? ` (e.g. ${p.firstMismatch})` : ''}`]);
  }
  const d = r.delivery;
  rows.push(['delivery', `${d.delivered} / ${d.expected} (${d.percent} %)${d.complete ? '' : '  INCOMPLETE'}`]);
  rows.push(['latency ms', latency(r.latencyMs)]);
  const s = r.server;
  if (s.rssAfterBytes !== null) {
    rows.push([
      'server RSS',
      `${formatBytes(s.rssBeforeBytes)} → ${formatBytes(s.rssAfterBytes)}; ${formatBytes(s.rssPerConnectionBytes)} per connection (pids ${s.pids.join(',')}${s.pidsFoundBy === 'port' ? ', found by port' : ''})`,
    ]);
  }
  rows.push(['stability', `open at end ${r.stability.openAtEnd}; unexpected closes: ${counts(r.stability.unexpectedCloses)}; pusher errors: ${counts(r.stability.pusherErrors)}`]);
  if (r.findMax) {
    rows.push([
      'find-max',
      `max passing rate ${r.findMax.maxPassingRate}/s (delivery ≥ ${r.findMax.criteria.minDeliveryPercent} %, p99 ≤ ${r.findMax.criteria.maxP99Ms} ms, ${r.findMax.criteria.stepSeconds} s steps)`,
    ]);
    for (const step of r.findMax.steps) {
      rows.push([
        `  ${step.rate}/s`,
        `${step.passed ? 'pass' : 'FAIL'}  delivered ${step.delivery.percent} %  p50 ${step.latencyMs.p50}  p99 ${step.latencyMs.p99}  max ${step.latencyMs.max} ms  ` +
          `cpu runner ${step.cpu.runnerCores} server ${step.cpu.serverCores ?? 'n/a'}${step.passed ? '' : `  (${step.why})`}`,
      ]);
    }
  }
  rows.push(['complete', r.complete ? 'yes' : 'NO']);
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
}
