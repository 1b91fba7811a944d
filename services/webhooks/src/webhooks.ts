/**
 * Delivers queued webhook events: batched per app, POSTed in Pusher's format to every
 * webhook of the app that wants them, acked when every receiver took them, retried with
 * back-off otherwise, and dead-lettered — counted, listed, replayable — when the retry
 * window is over. Delivery is at least once: receivers de-duplicate by each event's `id`.
 */

import type { AppRegistry } from '../../core/src/apps/app-registry';
import type { Clock } from '../../core/src/clock';
import type { Logger } from '../../core/src/logging/logger';
import type { MetricsRegistry } from '../../core/src/service/metrics';
import type { HeraldService } from '../../core/src/service/service-lifecycle';
import { type Tracing, tracingOff } from '../../core/src/tracing/tracing';
import { WEBHOOK_BATCH_MAX_EVENTS, WEBHOOK_BATCH_MAX_WAIT_MS } from '../../core/src/webhooks/webhook-batching';
import type { QueuedWebhook, WebhookQueue } from '../../core/src/webhooks/webhook-queue';
import { AttemptSpan } from './attempt-span';
import { DeliveryFailureLog } from './delivery-failure-log';
import { nextRetry } from './retry-policy';
import { WebhookBatcher } from './webhook-batcher';
import { WebhookMetrics } from './webhook-metrics';
import { webhookBody } from './webhook-payload';
import { sendWebhook } from './webhook-sender';

export interface WebhookSettings {
  /** A receiver must answer 2xx within this (Pusher: 4 s). */
  readonly timeoutMs: number;
  /** Retries continue this long after an event was queued (Pusher: 5 minutes). */
  readonly retryWindowMs: number;
  readonly batchMaxEvents: number;
  readonly batchMaxWaitMs: number;
  /** Events handed out and not yet settled, at most. */
  readonly maxInFlight: number;
}

export const DEFAULT_WEBHOOK_SETTINGS: WebhookSettings = {
  timeoutMs: 4000,
  retryWindowMs: 5 * 60 * 1000,
  batchMaxEvents: WEBHOOK_BATCH_MAX_EVENTS,
  batchMaxWaitMs: WEBHOOK_BATCH_MAX_WAIT_MS,
  maxInFlight: 500,
};

export interface WebhooksOptions {
  readonly queue: WebhookQueue;
  readonly apps: AppRegistry;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: MetricsRegistry;
  readonly settings: WebhookSettings;
  /** A CLIENT span per delivery attempt of sampled events (default: off). */
  readonly tracing?: Tracing;
}

export class Webhooks implements HeraldService {
  readonly name = 'webhooks';
  private readonly batcher: WebhookBatcher;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly metrics: WebhookMetrics;
  private readonly failureLog: DeliveryFailureLog;
  private stopped = false;
  private readonly tracing: Tracing;

  constructor(private readonly options: WebhooksOptions) {
    const { settings, metrics } = options;
    this.tracing = options.tracing ?? tracingOff();
    this.batcher = new WebhookBatcher(settings.batchMaxEvents, settings.batchMaxWaitMs, (appId, items) => {
      const delivery = this.deliver(appId, items).catch((err: unknown) => options.logger.error({ err, appId }, 'webhook delivery crashed'));
      this.inFlight.add(delivery);
      void delivery.finally(() => this.inFlight.delete(delivery));
    });
    this.metrics = new WebhookMetrics(metrics);
    this.failureLog = new DeliveryFailureLog(options.logger, options.clock);
  }

  /** Consuming the queue. */
  async start(): Promise<void> {
    await this.options.queue.consume((item) => {
      // Left unsettled after stop: the queue hands it out again (a durable one to another webhooks process).
      if (!this.stopped) this.batcher.add(item);
    }, this.options.settings.maxInFlight);
  }

  /** Sends what is batched and waits for deliveries under way. */
  async drain(): Promise<void> {
    this.batcher.flushAll();
    await Promise.allSettled([...this.inFlight]);
  }

  /**
   * Takes nothing more from the queue and finishes what it holds (events emitted since drain
   * included). The queue itself is shared with the producers; its owner closes it.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.drain();
    this.failureLog.close();
  }

  private async deliver(appId: string, items: QueuedWebhook[]): Promise<void> {
    const { apps, clock, settings } = this.options;
    const app = apps.byId(appId);
    const failures = new Map<QueuedWebhook, string>();
    const wanted = new Set<QueuedWebhook>();
    const failedPosts: Array<{ url: string; batch: QueuedWebhook[]; reason: string }> = [];
    if (!app) {
      for (const item of items) failures.set(item, `unknown app ${appId}`);
    } else {
      await Promise.all(
        app.webhooks.map(async (webhook) => {
          const batch = items.filter((item) => (webhook.events as readonly string[]).includes(item.event.name));
          if (batch.length === 0) return;
          for (const item of batch) wanted.add(item);
          const span = AttemptSpan.start(this.tracing, appId, webhook.url, batch);
          const result = await sendWebhook(
            app,
            webhook,
            webhookBody(
              batch.map((i) => i.event),
              clock.now(),
            ),
            settings.timeoutMs,
            span?.traceparent,
          );
          span?.end(result.status, result.ok ? undefined : result.reason);
          this.metrics.attempted(
            appId,
            result.ok,
            batch.map((item) => item.event.timeMs),
            clock.now(),
          );
          if (result.ok) return;
          for (const item of batch) failures.set(item, result.reason);
          failedPosts.push({ url: webhook.url, batch, reason: result.reason });
        }),
      );
    }
    const retryInMs = new Map<QueuedWebhook, number>();
    for (const item of items) {
      const reason = failures.get(item);
      if (reason === undefined) {
        if (wanted.has(item)) this.metrics.delivered.inc();
        item.ack();
        continue;
      }
      const decision = nextRetry(item.attempt, item.queuedAtMs, clock.now(), settings.retryWindowMs);
      if (decision.retry) {
        this.metrics.failedAttempts.inc();
        retryInMs.set(item, decision.delayMs);
        item.retry(decision.delayMs);
      } else {
        this.metrics.deadLetteredOne(appId);
        this.failureLog.deadLettered({ appId, attempts: item.attempt, reason });
        await item.deadLetter(reason);
      }
    }
    for (const { url, batch, reason } of failedPosts) {
      const retries = batch.map((item) => retryInMs.get(item)).filter((ms) => ms !== undefined);
      this.failureLog.failed({ appId, url, events: batch.length, reason, nextRetryInMs: retries.length > 0 ? Math.min(...retries) : undefined });
    }
  }
}
