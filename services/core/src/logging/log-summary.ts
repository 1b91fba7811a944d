/**
 * One log line per key per interval instead of one per occurrence: the first occurrence of a
 * key is written at once (so an outage shows up immediately), later ones are counted and
 * written as one summary when the interval ends, with the last occurrence's details. A key
 * quiet for a whole interval is forgotten, so its next occurrence is again written at once.
 * A receiver that is down thus costs at most one line per interval, whatever the event rate.
 */
import type { Clock, ClockTimer } from '../clock';

export interface SummaryLine<T> {
  readonly key: string;
  /** Occurrences this line covers: 1 for the first one, else those since the last line. */
  readonly count: number;
  /** The first occurrence after a quiet spell (written at once), or a summary of an interval. */
  readonly first: boolean;
  /** The details of the last occurrence it covers. */
  readonly last: T;
}

interface Tally<T> {
  count: number;
  last: T;
}

export class LogSummary<T> {
  private readonly tallies = new Map<string, Tally<T>>();
  private timer: ClockTimer | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly intervalMs: number,
    private readonly write: (line: SummaryLine<T>) => void,
  ) {}

  record(key: string, details: T): void {
    const tally = this.tallies.get(key);
    if (tally) {
      tally.count += 1;
      tally.last = details;
      return;
    }
    this.tallies.set(key, { count: 0, last: details });
    this.write({ key, count: 1, first: true, last: details });
    this.timer ??= this.clock.setInterval(() => this.flush(), this.intervalMs).unref();
  }

  /** Writes what is counted and stops (shutdown). */
  close(): void {
    this.flush();
    this.clock.clearInterval(this.timer);
    this.timer = undefined;
    this.tallies.clear();
  }

  private flush(): void {
    for (const [key, tally] of this.tallies) {
      if (tally.count === 0) {
        this.tallies.delete(key);
        continue;
      }
      this.write({ key, count: tally.count, first: false, last: tally.last });
      tally.count = 0;
    }
    if (this.tallies.size === 0) {
      this.clock.clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}
