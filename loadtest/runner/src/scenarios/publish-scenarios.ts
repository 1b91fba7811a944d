/**
 * fanout (one channel, every connection subscribed) and many-channels (each connection on its
 * own channel, publishes round-robin): connect, publish through the HTTP API at a rate, wait
 * for the deliveries to drain, report. `find-max` steps the rate over the same connections.
 */
import type { RunOptions } from '../run-options';
import type { RunResult } from '../run-result';
import { deliveryReport, ScenarioContext } from '../scenario-context';
import { findMaxRate } from './find-max';
import { publishPhase, subscribe } from './publish-phase';

export async function runPublishScenario(options: RunOptions): Promise<RunResult> {
  const ctx = new ScenarioContext(options);
  try {
    const subscribed = await subscribe(ctx);
    const server = ctx.serverReport(subscribed.report.subscribed);
    if (options.findMax) {
      const findMax = await findMaxRate(ctx, subscribed, options.findMax);
      const best = findMax.steps.filter((s) => s.passed).sort((a, b) => b.rate - a.rate)[0] ?? findMax.steps.at(-1);
      const collected = await ctx.collect();
      return ctx.result({
        mode: 'find-max',
        connections: subscribed.report,
        delivery: best?.delivery ?? deliveryReport(0, 0),
        latencyMs: best?.latencyMs ?? collected.latency.summary(),
        server,
        stability: collected.stability,
        findMax,
      });
    }
    const { publish, collected, cpu } = await publishPhase(ctx, subscribed, options.rate, options.durationSeconds);
    return ctx.result({
      connections: subscribed.report,
      publish,
      cpu,
      delivery: deliveryReport(publish.expectedDeliveries, collected.delivered),
      latencyMs: collected.latency.summary(),
      server,
      stability: collected.stability,
    });
  } finally {
    await ctx.close();
  }
}
