/**
 * Publishes timestamped events at a fixed rate for a fixed time. The schedule is absolute
 * (publish n is due at n/rate s), capped by how many requests may be in flight; when the
 * server answers too slowly the publisher falls behind, and the result says so rather than
 * quietly measuring a lower rate.
 */
import type { ApiPublisher } from './api-publisher';
import { nowMs, sleep } from './clock';
import { LatencyHistogram, type LatencySummary } from './latency-histogram';
import { timestampedData } from './timestamped-payload';

const BENCH_EVENT_NAME = 'bench';

export interface PublishPlan {
  readonly rate: number;
  readonly durationMs: number;
  readonly payloadBytes: number;
  readonly maxInflight: number;
  /** The channel of publish number n. */
  channelFor(n: number): string;
  /** How many subscribers should receive an event on this channel. */
  subscribersOf(channel: string): number;
}

export interface PublishOutcome {
  readonly targetRate: number;
  readonly seconds: number;
  readonly planned: number;
  readonly attempted: number;
  readonly accepted: number;
  readonly failed: number;
  readonly statuses: Record<string, number>;
  /** Accepted publishes × the subscribers each should reach. */
  readonly expectedDeliveries: number;
  /** Publishes attempted per second of the planned duration. */
  readonly achievedRate: number;
  /** The publisher got less than 99 % of the planned publishes out in time (too many requests in flight). */
  readonly fellBehind: boolean;
  /** HTTP request → response. */
  readonly apiLatencyMs: LatencySummary;
}

export async function publishAtRate(publisher: ApiPublisher, plan: PublishPlan): Promise<PublishOutcome> {
  const planned = Math.max(1, Math.round((plan.rate * plan.durationMs) / 1000));
  const statuses: Record<string, number> = {};
  const apiLatency = new LatencyHistogram();
  const inflight = new Set<Promise<void>>();
  let attempted = 0;
  let accepted = 0;
  let expectedDeliveries = 0;

  const publishOne = (n: number) => {
    const channel = plan.channelFor(n);
    const sentAt = nowMs();
    const done = publisher.trigger(channel, BENCH_EVENT_NAME, timestampedData(sentAt, n, plan.payloadBytes)).then((response) => {
      apiLatency.recordMs(nowMs() - sentAt);
      const key = response.error ?? String(response.status);
      statuses[key] = (statuses[key] ?? 0) + 1;
      if (response.status === 200) {
        accepted += 1;
        expectedDeliveries += plan.subscribersOf(channel);
      }
      inflight.delete(done);
    });
    inflight.add(done);
  };

  const start = nowMs();
  while (attempted < planned) {
    const elapsed = nowMs() - start;
    // A little grace for timer jitter; past it the publisher has truly fallen behind.
    if (elapsed >= plan.durationMs * 1.05 + 100) break;
    const due = Math.min(planned, Math.floor((elapsed / 1000) * plan.rate) + 1);
    while (attempted < due && inflight.size < plan.maxInflight) publishOne(attempted++);
    const nextDueIn = (attempted / plan.rate) * 1000 - (nowMs() - start);
    await sleep(Math.max(1, Math.min(20, nextDueIn)));
  }
  const seconds = plan.durationMs / 1000;
  await Promise.all(inflight);
  return {
    targetRate: plan.rate,
    seconds,
    planned,
    attempted,
    accepted,
    failed: attempted - accepted,
    statuses,
    expectedDeliveries,
    achievedRate: Math.round((attempted / seconds) * 10) / 10,
    fellBehind: attempted < planned * 0.99,
    apiLatencyMs: apiLatency.summary(),
  };
}
