/**
 * idle: hold N subscribed connections doing nothing for the duration (answering the server's
 * pings), then report the server's RSS per connection and whether every one is still open.
 */
import { sleep } from '../clock';
import type { RunOptions } from '../run-options';
import type { RunResult } from '../run-result';
import { deliveryReport, ScenarioContext } from '../scenario-context';

export async function runIdle(options: RunOptions): Promise<RunResult> {
  const ctx = new ScenarioContext(options);
  try {
    const channels = options.channels ?? options.connections;
    const { report } = await ctx.open(ctx.plan(options.connections, (i) => ({ channel: `idle-${i % channels}` })));
    await sleep(options.durationSeconds * 1000);
    const server = ctx.serverReport(report.subscribed);
    const collected = await ctx.collect();
    return ctx.result({
      connections: report,
      // Nothing is published: "delivered" counts connections still open after the hold.
      delivery: deliveryReport(report.requested, collected.stability.openAtEnd),
      latencyMs: report.connectLatencyMs,
      server,
      stability: collected.stability,
    });
  } finally {
    await ctx.close();
  }
}
