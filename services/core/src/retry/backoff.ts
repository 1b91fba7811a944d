/**
 * Exponential back-off with jitter as a pure policy: retry number n → how long to wait.
 * Callers do the waiting their own way (a JetStream nak delay, a reconnect timer, a sleep on
 * the injected clock), so this only computes.
 *
 * Not from npm: `exponential-backoff` (Apache-2.0) only wraps a function in a retry loop that
 * sleeps on Node's own timers with Math.random "full" jitter, and `retry` (MIT) computes a
 * delay but jitters only upwards (×1–2) from Math.random. Most of Herald's sites need just the
 * next delay, on an injected clock, with a random source tests can seed.
 */
export interface BackoffPolicy {
  /** The wait before the first retry. */
  readonly initialMs: number;
  /** Each wait is this many times the one before. */
  readonly multiplier: number;
  /** No wait is longer. */
  readonly maxMs: number;
  /**
   * 0–1: each wait is shortened by up to this fraction at random, so clients that failed
   * together do not all retry in the same instant. The cap stays a true maximum.
   */
  readonly jitter: number;
}

/** Uniform in [0, 1), like Math.random (the default); tests pass a seeded one. */
export type RandomSource = () => number;

/** The wait before retry number `attempt` (1 = the first retry), in whole milliseconds. */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: RandomSource = Math.random): number {
  const exponent = attempt > 1 ? Math.floor(attempt) - 1 : 0;
  const ceiling = Math.min(policy.maxMs, policy.initialMs * policy.multiplier ** exponent);
  return Math.round(ceiling * (1 - policy.jitter * random()));
}
