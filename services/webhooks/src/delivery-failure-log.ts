/**
 * Webhook failures in the log per receiver and interval, not per event: with a receiver down
 * at 1,000 webhooks/s, a line per failed event had written 170,000 lines in two minutes. The
 * first failure of a receiver is written at once; the rest are counted and summarised in one
 * line per receiver every interval, with the last error and when the next retry is due.
 */
import type { Clock } from '../../core/src/clock';
import { LogSummary } from '../../core/src/logging/log-summary';
import type { Logger } from '../../core/src/logging/logger';

/** One line per receiver (or app, for dead letters) per this long at most, after the first. */
const FAILURE_LOG_INTERVAL_MS = 10_000;

export interface FailedDelivery {
  readonly appId: string;
  readonly url: string;
  /** Events in the failed POST. */
  readonly events: number;
  /** What went wrong, naming the URL (webhook-sender.ts). */
  readonly reason: string;
  /** The earliest retry of the POST's events; undefined when all of them were dead-lettered. */
  readonly nextRetryInMs: number | undefined;
}

export interface ExhaustedEvent {
  readonly appId: string;
  readonly attempts: number;
  readonly reason: string;
}

export class DeliveryFailureLog {
  private readonly failures: LogSummary<FailedDelivery>;
  private readonly exhausted: LogSummary<ExhaustedEvent>;

  constructor(logger: Logger, clock: Clock) {
    this.failures = new LogSummary(clock, FAILURE_LOG_INTERVAL_MS, ({ count, first, last }) => {
      const { appId, url, reason, nextRetryInMs } = last;
      const next = nextRetryInMs === undefined ? 'no retry (dead-lettered)' : `next retry in ${nextRetryInMs} ms`;
      const fields = { appId, url, lastError: reason, nextRetryInMs };
      if (first) logger.warn({ ...fields, events: last.events }, `webhook delivery failed: ${reason}; ${next}`);
      else
        logger.warn({ ...fields, failedDeliveries: count }, `${count} webhook deliveries failed in the last ${FAILURE_LOG_INTERVAL_MS / 1000} s, last error: ${reason}; ${next}`);
    });
    this.exhausted = new LogSummary(clock, FAILURE_LOG_INTERVAL_MS, ({ count, first, last }) => {
      const { appId, reason, attempts } = last;
      if (first) logger.error({ appId, attempts, reason }, `webhook retries exhausted after ${attempts} attempts; dead-lettered: ${reason}`);
      else
        logger.error(
          { appId, events: count, lastReason: reason },
          `${count} webhook events dead-lettered in the last ${FAILURE_LOG_INTERVAL_MS / 1000} s (retries exhausted), last reason: ${reason}`,
        );
    });
  }

  failed(delivery: FailedDelivery): void {
    this.failures.record(`${delivery.appId} ${delivery.url}`, delivery);
  }

  deadLettered(event: ExhaustedEvent): void {
    this.exhausted.record(event.appId, event);
  }

  /** Writes what is counted (shutdown). */
  close(): void {
    this.failures.close();
    this.exhausted.close();
  }
}
