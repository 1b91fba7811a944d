/**
 * When to try a failed webhook again: exponential back-off from 1 s, capped at 60 s, for
 * `retryWindowMs` after the event was queued (Pusher retries for 5 minutes); after that the
 * event is dead-lettered — kept and replayable, never dropped.
 */
export interface RetryDecision {
  readonly retry: boolean;
  readonly delayMs: number;
}

export function nextRetry(attempt: number, queuedAtMs: number, nowMs: number, retryWindowMs: number): RetryDecision {
  const delayMs = Math.min(60_000, 1000 * 2 ** Math.max(0, attempt - 1));
  if (nowMs + delayMs - queuedAtMs > retryWindowMs) return { retry: false, delayMs: 0 };
  return { retry: true, delayMs };
}
