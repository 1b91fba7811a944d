/**
 * A clock tests move by hand. Time stands still until `advance(ms)`, which runs the timers
 * that fall due in time order (ties in the order they were set), each seeing `now()` at its
 * due time. A timer due at once (delay 0) runs on the next turn of the event loop, as Node's
 * would: "after this turn" needs no time to pass.
 *
 * What a timer starts asynchronously (a bus message, I/O) runs after `advance()` returns, so
 * advance in steps shorter than the gaps the code relies on (a lease's TTL against its renewal).
 */
import type { Clock, ClockTimer } from './clock';

class ManualTimer implements ClockTimer {
  constructor(
    readonly fn: () => void,
    public dueAt: number,
    public order: number,
    readonly everyMs: number | undefined,
  ) {}

  unref(): this {
    return this;
  }
}

export class ManualClock implements Clock {
  private readonly pending = new Set<ManualTimer>();
  private nextOrder = 0;
  private immediateQueued = false;

  constructor(private current = 1_700_000_000_000) {}

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): ClockTimer {
    return this.add(fn, ms, undefined);
  }

  setInterval(fn: () => void, ms: number): ClockTimer {
    // Node runs a 0 ms interval every millisecond; so does this clock, rather than loop forever.
    return this.add(fn, ms, Math.max(1, ms));
  }

  clearTimeout(timer: ClockTimer | undefined): void {
    if (timer instanceof ManualTimer) this.pending.delete(timer);
  }

  clearInterval(timer: ClockTimer | undefined): void {
    this.clearTimeout(timer);
  }

  /** Moves time on by `ms`, running every timer due by then. */
  advance(ms: number): void {
    const until = this.current + ms;
    this.runDue(until);
    this.current = until;
  }

  /** Timers set and not yet run or cleared (intervals count until cleared). */
  pendingTimers(): number {
    return this.pending.size;
  }

  private add(fn: () => void, ms: number, everyMs: number | undefined): ManualTimer {
    const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
    const timer = new ManualTimer(fn, this.current + delay, this.nextOrder++, everyMs);
    this.pending.add(timer);
    if (delay === 0 && !this.immediateQueued) {
      this.immediateQueued = true;
      setImmediate(() => {
        this.immediateQueued = false;
        this.runDue(this.current);
      });
    }
    return timer;
  }

  private runDue(until: number): void {
    for (let timer = this.nextDue(until); timer; timer = this.nextDue(until)) {
      this.current = Math.max(this.current, timer.dueAt);
      if (timer.everyMs === undefined) {
        this.pending.delete(timer);
      } else {
        timer.dueAt += timer.everyMs;
        timer.order = this.nextOrder++;
      }
      timer.fn();
    }
  }

  private nextDue(until: number): ManualTimer | undefined {
    let next: ManualTimer | undefined;
    for (const timer of this.pending) {
      if (timer.dueAt > until) continue;
      if (!next || timer.dueAt < next.dueAt || (timer.dueAt === next.dueAt && timer.order < next.order)) next = timer;
    }
    return next;
  }
}
