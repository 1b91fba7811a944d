/**
 * Refuses new WebSockets while this process is past its limits, as soketi's accept-traffic
 * does: a connection count, resident memory (a container's limit is what kills the pod) and
 * the share of V8's heap limit in use (past which Node dies of heap exhaustion). Connections
 * already open are not touched. Memory is sampled at most once a second: reading it costs a
 * system call, and a flood of upgrades would otherwise pay it for each.
 */
import { getHeapStatistics } from 'node:v8';
import type { Clock } from '../../core/src/clock';

export type OverloadRefusal = 'process_connections' | 'memory';

export interface OverloadLimits {
  /** Open WebSockets in this process; 0 = no limit. */
  readonly maxConnectionsPerProcess: number;
  /** Resident set size in MiB; 0 = off. */
  readonly overloadMaxRssMb: number;
  /** Heap in use as a percentage of V8's heap limit; 0 = off. */
  readonly overloadMaxHeapPercent: number;
}

export interface MemoryReading {
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  readonly heapLimitBytes: number;
}

/** This process's memory, as the guard compares it. */
export function processMemory(): MemoryReading {
  const heap = getHeapStatistics();
  return { rssBytes: process.memoryUsage.rss(), heapUsedBytes: heap.used_heap_size, heapLimitBytes: heap.heap_size_limit };
}

const MEMORY_SAMPLE_MS = 1000;
const MIB = 1024 * 1024;

export class OverloadGuard {
  private sampledAt = Number.NEGATIVE_INFINITY;
  private memoryShort: string | null = null;

  constructor(
    private readonly limits: OverloadLimits,
    private readonly clock: Clock,
    private readonly readMemory: () => MemoryReading = processMemory,
  ) {}

  /** null while a new connection fits; otherwise why not, and what to tell the client and /readyz. */
  refusal(openConnections: number): { readonly reason: OverloadRefusal; readonly detail: string } | null {
    const { maxConnectionsPerProcess } = this.limits;
    if (maxConnectionsPerProcess > 0 && openConnections >= maxConnectionsPerProcess) {
      return { reason: 'process_connections', detail: `this server is at its limit of ${maxConnectionsPerProcess} connections` };
    }
    const memory = this.memoryProblem();
    return memory ? { reason: 'memory', detail: memory } : null;
  }

  private memoryProblem(): string | null {
    const { overloadMaxRssMb, overloadMaxHeapPercent } = this.limits;
    if (overloadMaxRssMb <= 0 && overloadMaxHeapPercent <= 0) return null;
    const now = this.clock.now();
    if (now - this.sampledAt < MEMORY_SAMPLE_MS) return this.memoryShort;
    this.sampledAt = now;
    const { rssBytes, heapUsedBytes, heapLimitBytes } = this.readMemory();
    const heapPercent = (heapUsedBytes / heapLimitBytes) * 100;
    if (overloadMaxRssMb > 0 && rssBytes > overloadMaxRssMb * MIB) {
      this.memoryShort = `this server is short of memory (resident ${Math.round(rssBytes / MIB)} MiB, limit ${overloadMaxRssMb} MiB)`;
    } else if (overloadMaxHeapPercent > 0 && heapPercent > overloadMaxHeapPercent) {
      this.memoryShort = `this server is short of memory (heap ${Math.round(heapPercent)}% of its limit, limit ${overloadMaxHeapPercent}%)`;
    } else {
      this.memoryShort = null;
    }
    return this.memoryShort;
  }
}
