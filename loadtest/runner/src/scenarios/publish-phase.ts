/** The parts of fanout and many-channels that find-max repeats: subscribe once, then publish phases. */
import { CpuMeter, type CpuUse } from '../cpu-meter';
import { type PublishOutcome, publishAtRate } from '../publish-at-rate';
import type { ConnectionReport } from '../run-result';
import type { Collected, ScenarioContext } from '../scenario-context';

const FANOUT_CHANNEL = 'bench-fanout';

export interface Subscribed {
  readonly report: ConnectionReport;
  readonly channels: string[];
  readonly subscribersOf: (channel: string) => number;
}

export async function subscribe(ctx: ScenarioContext): Promise<Subscribed> {
  const { options } = ctx;
  const channelOf = options.scenario === 'fanout' ? () => FANOUT_CHANNEL : (i: number) => `bench-mc-${i}`;
  const { report, failed } = await ctx.open(ctx.plan(options.connections, (i) => ({ channel: channelOf(i) })));
  const counts = new Map<string, number>();
  for (let i = 0; i < options.connections; i += 1) {
    if (failed.has(i)) continue;
    const channel = channelOf(i);
    counts.set(channel, (counts.get(channel) ?? 0) + 1);
  }
  return { report, channels: [...counts.keys()], subscribersOf: (channel) => counts.get(channel) ?? 0 };
}

/** One publishing phase at `rate`: reset the counters, publish, drain, collect. */
export async function publishPhase(
  ctx: ScenarioContext,
  subscribed: Subscribed,
  rate: number,
  durationSeconds: number,
): Promise<{ publish: PublishOutcome; collected: Collected; cpu: CpuUse }> {
  await ctx.reset();
  const meter = new CpuMeter(ctx.serverPids);
  const { channels, subscribersOf } = subscribed;
  const publish = await publishAtRate(ctx.publisher, {
    rate,
    durationMs: durationSeconds * 1000,
    payloadBytes: ctx.options.payloadBytes,
    maxInflight: ctx.options.maxInflight,
    channelFor: (n) => channels[n % Math.max(1, channels.length)] ?? FANOUT_CHANNEL,
    subscribersOf,
  });
  await ctx.awaitDeliveries(publish.expectedDeliveries);
  const cpu = meter.read();
  return { publish, collected: await ctx.collect(), cpu };
}
