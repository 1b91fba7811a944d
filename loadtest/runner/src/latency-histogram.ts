/**
 * Latencies recorded in an HdrHistogram in microseconds (3 significant digits), so that
 * histograms from several worker threads can be encoded, posted and merged exactly.
 */
import * as hdr from 'hdr-histogram-js';

export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
  readonly mean: number;
}

/** One hour, in microseconds: anything slower is clamped rather than lost. */
const HIGHEST_US = 3_600_000_000;

export class LatencyHistogram {
  private readonly histogram: hdr.Histogram;

  constructor() {
    this.histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: HIGHEST_US, numberOfSignificantValueDigits: 3, autoResize: false });
  }

  static decode(encoded: string): LatencyHistogram {
    const result = new LatencyHistogram();
    if (encoded !== '') result.histogram.add(hdr.decodeFromCompressedBase64(encoded));
    return result;
  }

  get count(): number {
    return this.histogram.totalCount;
  }

  recordMs(ms: number): void {
    const us = Math.round(ms * 1000);
    this.histogram.recordValue(Math.min(Math.max(us, 1), HIGHEST_US));
  }

  add(other: LatencyHistogram): void {
    this.histogram.add(other.histogram);
  }

  reset(): void {
    this.histogram.reset();
  }

  encode(): string {
    return this.histogram.totalCount === 0 ? '' : hdr.encodeIntoCompressedBase64(this.histogram);
  }

  /** Percentiles in milliseconds. */
  summary(): LatencySummary {
    const h = this.histogram;
    const ms = (us: number) => Math.round(us) / 1000;
    if (h.totalCount === 0) return { count: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0 };
    return {
      count: h.totalCount,
      p50: ms(h.getValueAtPercentile(50)),
      p90: ms(h.getValueAtPercentile(90)),
      p99: ms(h.getValueAtPercentile(99)),
      p999: ms(h.getValueAtPercentile(99.9)),
      max: ms(h.maxValue),
      mean: ms(h.mean),
    };
  }
}

export function mergeEncoded(encoded: readonly string[]): LatencyHistogram {
  const merged = new LatencyHistogram();
  for (const e of encoded) merged.add(LatencyHistogram.decode(e));
  return merged;
}
