/**
 * The webhook deliverer's Prometheus metrics: every POST to a receiver (attempts, by result),
 * how late events reached their receivers, and what was delivered, retried and given up on.
 * The queue's own gauges (held events and bytes) belong to the queue (registerMetrics).
 */
import { Counter, Histogram } from 'prom-client';
import type { MetricsRegistry } from '../../core/src/service/metrics';
import { PerApp } from '../../core/src/service/per-app';

/** 10 ms (a quick receiver) to 5 minutes (Pusher's retry window), in seconds. */
const DELIVERY_LATENCY_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

interface AppChildren {
  readonly succeeded: Counter.Internal;
  readonly failed: Counter.Internal;
  readonly deadLettered: Counter.Internal;
  readonly latency: Histogram.Internal<'app_id'>;
}

export class WebhookMetrics {
  readonly delivered: Counter;
  readonly failedAttempts: Counter;
  private readonly apps: PerApp<AppChildren>;

  constructor(registry: MetricsRegistry) {
    const registers = [registry];
    this.delivered = new Counter({ name: 'herald_webhooks_delivered_total', help: 'Webhook events accepted by every receiver', registers });
    this.failedAttempts = new Counter({ name: 'herald_webhooks_failed_attempts_total', help: 'Webhook deliveries that failed and will be retried', registers });
    const deadLettered = new Counter({
      name: 'herald_webhooks_dead_lettered_total',
      help: 'Webhook events given up on and kept as dead letters',
      labelNames: ['app_id'],
      registers,
    });
    const attempts = new Counter({
      name: 'herald_webhooks_attempts_total',
      help: 'POSTs of a batch of webhook events to one receiver, by result: success (2xx), failure',
      labelNames: ['app_id', 'result'],
      registers,
    });
    const latency = new Histogram({
      name: 'herald_webhooks_delivery_latency_seconds',
      help: 'From a webhook event’s time to its receiver’s 2xx, once per event and receiver, retries included',
      labelNames: ['app_id'],
      buckets: DELIVERY_LATENCY_BUCKETS,
      registers,
    });
    this.apps = new PerApp((appId) => ({
      succeeded: attempts.labels(appId, 'success'),
      failed: attempts.labels(appId, 'failure'),
      deadLettered: deadLettered.labels(appId),
      latency: latency.labels(appId),
    }));
  }

  /** An event of `appId` given up on (its retry window is over). */
  deadLetteredOne(appId: string): void {
    this.apps.get(appId).deadLettered.inc();
  }

  /** One POST to one receiver; on success, `eventTimesMs` are the times of the events it carried. */
  attempted(appId: string, ok: boolean, eventTimesMs: readonly number[], nowMs: number): void {
    const app = this.apps.get(appId);
    if (!ok) {
      app.failed.inc();
      return;
    }
    app.succeeded.inc();
    for (const timeMs of eventTimesMs) if (timeMs > 0) app.latency.observe(Math.max(0, nowMs - timeMs) / 1000);
  }
}
