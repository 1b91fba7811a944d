/**
 * Time as a dependency, so leases, rate limits, holds and retries can be tested without
 * sleeping. Durations that are behaviour (the 3 s webhook hold, throttles, timeouts, lease
 * renewal and expiry, retry back-off) take their timers from here; delays that only bound
 * latency (setImmediate flushes, the webhook batch window) stay on Node's timers, so a test's
 * frozen clock never holds a delivery back.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Runs `fn` once, `ms` from now. */
  setTimeout(fn: () => void, ms: number): ClockTimer;
  clearTimeout(timer: ClockTimer | undefined): void;
  /** Runs `fn` every `ms`. */
  setInterval(fn: () => void, ms: number): ClockTimer;
  clearInterval(timer: ClockTimer | undefined): void;
}

/** A pending timer. `unref()` lets the process exit while it waits, as with Node's timers. */
export interface ClockTimer {
  unref(): this;
}

/** Node's own timers: no wrapper, so a timer costs what Node's does. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (timer) => clearTimeout(timer as NodeJS.Timeout | undefined),
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (timer) => clearInterval(timer as NodeJS.Timeout | undefined),
};
