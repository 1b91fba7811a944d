/** Waiting for things to happen, never for a fixed time. */
import type { ManualClock } from '../../services/core/src/manual-clock';

export async function waitFor<T>(probe: () => T | undefined | false | null | Promise<T | undefined | false | null>, what: string, timeoutMs = 5000, intervalMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false && value !== null) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * waitFor against a Herald on a manual clock: moves the clock on by `stepMs` before each
 * probe, so Herald's time passes only as fast as the test looks (for throttles and sweeps that
 * fall due at moments the test cannot see).
 */
export function waitAdvancing<T>(
  clock: ManualClock,
  stepMs: number,
  probe: () => T | undefined | false | null | Promise<T | undefined | false | null>,
  what: string,
  timeoutMs = 5000,
): Promise<T> {
  return waitFor(
    () => {
      clock.advance(stepMs);
      return probe();
    },
    what,
    timeoutMs,
  );
}

/** Rejects with a message naming `what` if `promise` does not settle in time. */
export function within<T>(promise: Promise<T>, what: string, timeoutMs = 5000): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
    }),
  ]);
}
