/**
 * When to try a failed webhook again: exponential back-off from 1 s, capped at 60 s, for
 * `retryWindowMs` after the event was queued (Pusher retries for 5 minutes); after that the
 * event is dead-lettered — kept and replayable, never dropped.
 */
import { type BackoffPolicy, backoffDelay, type RandomSource } from '../../core/src/retry/backoff';

/**
 * Up to 10 % shorter at random: events that failed together (a receiver outage) do not all
 * come back in the same instant, yet early retries still land in one 250 ms batch.
 */
const WEBHOOK_RETRY_BACKOFF: BackoffPolicy = { initialMs: 1000, multiplier: 2, maxMs: 60_000, jitter: 0.1 };

export interface RetryDecision {
  readonly retry: boolean;
  readonly delayMs: number;
}

/** `attempt` is the delivery that just failed (1 = the first). */
export function nextRetry(attempt: number, queuedAtMs: number, nowMs: number, retryWindowMs: number, random?: RandomSource): RetryDecision {
  const delayMs = backoffDelay(WEBHOOK_RETRY_BACKOFF, attempt, random);
  if (nowMs + delayMs - queuedAtMs > retryWindowMs) return { retry: false, delayMs: 0 };
  return { retry: true, delayMs };
}
