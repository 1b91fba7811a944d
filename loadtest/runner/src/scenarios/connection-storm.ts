/**
 * connection-storm: open N connections as fast as the server accepts them (each subscribes
 * to a public channel), then close them. Reports set-up rate, connect and subscribe latency
 * and failures by reason.
 */
import type { RunOptions } from '../run-options';
import type { RunResult } from '../run-result';
import { deliveryReport, ScenarioContext } from '../scenario-context';

export async function runConnectionStorm(options: RunOptions): Promise<RunResult> {
  const ctx = new ScenarioContext(options);
  try {
    const channels = options.channels ?? options.connections;
    const { report } = await ctx.open(ctx.plan(options.connections, (i) => ({ channel: `storm-${i % channels}` })));
    const server = ctx.serverReport(report.subscribed);
    const collected = await ctx.collect();
    return ctx.result({
      connections: report,
      // Nothing is published: "delivery" is whether every connection got its subscription.
      delivery: deliveryReport(report.requested, report.subscribed),
      latencyMs: report.connectLatencyMs,
      server,
      stability: collected.stability,
    });
  } finally {
    await ctx.close();
  }
}
