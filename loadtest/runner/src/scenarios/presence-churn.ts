/**
 * presence-churn: members of presence channels (at most membersPerChannel each, auth and
 * channel_data signed locally) leave and rejoin at churnRate per second. Latency is join →
 * member_added at the other members; "delivery" is how many members' views of their channel
 * converged to the true membership once the churn stopped.
 */
import { sleep } from '../clock';
import { mergeEncoded } from '../latency-histogram';
import type { RunOptions } from '../run-options';
import type { RunResult } from '../run-result';
import { deliveryReport, ScenarioContext } from '../scenario-context';
import type { ChurnResult, PresenceCheckResult } from '../worker-protocol';

async function checkViews(ctx: ScenarioContext): Promise<PresenceCheckResult> {
  const deadline = Date.now() + ctx.options.drainTimeoutMs;
  for (;;) {
    const checks = await ctx.pool.all<PresenceCheckResult>({ cmd: 'presence-check' });
    const views = checks.reduce((n, c) => n + c.views, 0);
    const consistent = checks.reduce((n, c) => n + c.consistent, 0);
    const firstMismatch = checks.find((c) => c.firstMismatch)?.firstMismatch;
    if (consistent === views || Date.now() >= deadline) return { views, consistent, firstMismatch };
    await sleep(250);
  }
}

export async function runPresenceChurn(options: RunOptions): Promise<RunResult> {
  const ctx = new ScenarioContext(options);
  try {
    const channelOf = (i: number) => Math.floor(i / options.membersPerChannel);
    const { report } = await ctx.open(ctx.plan(options.connections, (i) => ({ channel: `presence-bench-${channelOf(i)}`, userId: `user-${i}` }), channelOf));
    const server = ctx.serverReport(report.subscribed);
    await ctx.reset();
    const churns = await ctx.pool.all<ChurnResult>({
      cmd: 'churn',
      ratePerSecond: options.churnRate / ctx.pool.size,
      durationMs: options.durationSeconds * 1000,
    });
    const views = await checkViews(ctx);
    const collected = await ctx.collect();
    const joinFailures: Record<string, number> = {};
    for (const c of churns) for (const [k, n] of Object.entries(c.joinFailures)) joinFailures[k] = (joinFailures[k] ?? 0) + n;
    return ctx.result({
      connections: report,
      presence: {
        leaves: churns.reduce((n, c) => n + c.leaves, 0),
        joins: churns.reduce((n, c) => n + c.joins, 0),
        joinFailures,
        joinLatencyMs: mergeEncoded(churns.map((c) => c.joinLatency)).summary(),
        memberAddedReceived: collected.memberAdded,
        views: views.views,
        consistentViews: views.consistent,
        firstMismatch: views.firstMismatch,
      },
      delivery: deliveryReport(views.views, views.consistent),
      latencyMs: collected.latency.summary(),
      server,
      stability: collected.stability,
    });
  } finally {
    await ctx.close();
  }
}
