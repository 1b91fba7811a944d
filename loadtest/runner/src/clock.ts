/**
 * One time base for publishers and subscribers, in milliseconds with sub-millisecond
 * resolution. `timeOrigin + now()` is wall-clock time in every worker thread of the process
 * (and on every host whose clock is synchronised), so a timestamp taken by the publisher can
 * be subtracted from one taken by a subscriber in another thread.
 */
import { performance } from 'node:perf_hooks';

export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
