/**
 * find-max: after a short warm-up, raise the publish rate step by step over the same
 * subscribed connections until a step delivers less than minDeliveryPercent, has p99 above
 * maxP99Ms, has publishes refused, or the publisher cannot keep the rate; then bisect between
 * the last passing and the first failing rate. A failing step is measured again (`retries`)
 * before it counts, so that one stall of a shared machine does not end the search. Reports
 * every attempt and the highest passing rate.
 */
import { sleep } from '../clock';
import type { FindMaxOptions } from '../run-options';
import type { FindMaxReport, StepResult } from '../run-result';
import { deliveryReport, type ScenarioContext } from '../scenario-context';
import { publishPhase, type Subscribed } from './publish-phase';

async function step(ctx: ScenarioContext, subscribed: Subscribed, rate: number, criteria: FindMaxOptions): Promise<StepResult> {
  const { publish, collected, cpu } = await publishPhase(ctx, subscribed, rate, criteria.stepSeconds);
  const delivery = deliveryReport(publish.expectedDeliveries, collected.delivered);
  const latencyMs = collected.latency.summary();
  const acceptedPercent = (publish.accepted / Math.max(1, publish.attempted)) * 100;
  const problems: string[] = [];
  if (publish.fellBehind) problems.push(`publisher reached ${publish.achievedRate}/s of ${rate}/s`);
  if (acceptedPercent < criteria.minDeliveryPercent) problems.push(`${publish.failed} publishes refused (${JSON.stringify(publish.statuses)})`);
  if (delivery.percent < criteria.minDeliveryPercent) problems.push(`delivered ${delivery.percent} %`);
  if (latencyMs.p99 > criteria.maxP99Ms) problems.push(`p99 ${latencyMs.p99} ms`);
  const passed = problems.length === 0;
  return { rate, achievedRate: publish.achievedRate, delivery, latencyMs, cpu, passed, why: passed ? 'ok' : problems.join('; ') };
}

export async function findMaxRate(ctx: ScenarioContext, subscribed: Subscribed, criteria: FindMaxOptions): Promise<FindMaxReport> {
  const steps: StepResult[] = [];
  const log = (s: StepResult) => {
    steps.push(s);
    process.stderr.write(
      `  find-max: ${s.rate}/s → ${s.passed ? 'pass' : 'FAIL'} (delivered ${s.delivery.percent} %, p99 ${s.latencyMs.p99} ms, ` +
        `cpu runner ${s.cpu.runnerCores} server ${s.cpu.serverCores ?? 'n/a'}${s.passed ? '' : `; ${s.why}`})\n`,
    );
  };
  /** A step, measured again after a pause while it fails and retries are left. */
  const attempt = async (rate: number): Promise<StepResult> => {
    let s = await step(ctx, subscribed, rate, criteria);
    log(s);
    for (let retry = 0; !s.passed && retry < criteria.retries; retry += 1) {
      // Let the server drain what the failing attempt queued before measuring again.
      await sleep(2000);
      s = await step(ctx, subscribed, rate, criteria);
      log(s);
    }
    return s;
  };
  // Warm up (JIT, keep-alive connections, buffers) at the start rate; not reported.
  await publishPhase(ctx, subscribed, criteria.startRate, Math.min(2, criteria.stepSeconds));
  await sleep(500);
  let lastPass = 0;
  let firstFail = 0;
  for (let rate = criteria.startRate; rate <= criteria.maxRate; rate = Math.max(rate + 1, Math.round(rate * criteria.stepFactor))) {
    const s = await attempt(rate);
    if (!s.passed) {
      firstFail = rate;
      break;
    }
    lastPass = rate;
    await sleep(500);
  }
  for (let i = 0; i < criteria.refineSteps && firstFail > 0 && lastPass > 0; i += 1) {
    const rate = Math.round((lastPass + firstFail) / 2);
    if (rate <= lastPass || rate >= firstFail) break;
    // Let the server recover from the failing step before measuring again.
    await sleep(2000);
    const s = await attempt(rate);
    if (s.passed) lastPass = rate;
    else firstFail = rate;
  }
  return {
    criteria: { minDeliveryPercent: criteria.minDeliveryPercent, maxP99Ms: criteria.maxP99Ms, stepSeconds: criteria.stepSeconds, retries: criteria.retries },
    steps,
    maxPassingRate: lastPass,
  };
}
