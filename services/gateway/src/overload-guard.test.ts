import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../core/src/manual-clock';
import { type MemoryReading, OverloadGuard, processMemory } from './overload-guard';

const MIB = 1024 * 1024;

describe('OverloadGuard', () => {
  it('refuses at the per-process connection limit and not below it', () => {
    const guard = new OverloadGuard({ maxConnectionsPerProcess: 3, overloadMaxRssMb: 0, overloadMaxHeapPercent: 0 }, new ManualClock());
    assert.equal(guard.refusal(2), null);
    assert.deepEqual(guard.refusal(3), { reason: 'process_connections', detail: 'this server is at its limit of 3 connections' });
  });

  it('refuses past the resident memory or heap threshold, sampling memory at most once a second', () => {
    const clock = new ManualClock();
    let reading: MemoryReading = { rssBytes: 100 * MIB, heapUsedBytes: 50 * MIB, heapLimitBytes: 100 * MIB };
    let reads = 0;
    const guard = new OverloadGuard({ maxConnectionsPerProcess: 0, overloadMaxRssMb: 200, overloadMaxHeapPercent: 80 }, clock, () => {
      reads++;
      return reading;
    });
    assert.equal(guard.refusal(0), null);
    reading = { ...reading, rssBytes: 201 * MIB };
    assert.equal(guard.refusal(0), null, 'the last sample still holds');
    assert.equal(reads, 1);
    clock.advance(1000);
    assert.deepEqual(guard.refusal(0), { reason: 'memory', detail: 'this server is short of memory (resident 201 MiB, limit 200 MiB)' });
    reading = { rssBytes: 100 * MIB, heapUsedBytes: 81 * MIB, heapLimitBytes: 100 * MIB };
    clock.advance(1000);
    assert.deepEqual(guard.refusal(0), { reason: 'memory', detail: 'this server is short of memory (heap 81% of its limit, limit 80%)' });
    reading = { rssBytes: 100 * MIB, heapUsedBytes: 10 * MIB, heapLimitBytes: 100 * MIB };
    assert.equal(guard.refusal(5)?.reason, 'memory');
    clock.advance(1000);
    assert.equal(guard.refusal(5), null, 'accepts again once memory is back under the thresholds');
    assert.equal(reads, 4);
  });

  it('never reads memory when both memory thresholds are off', () => {
    const guard = new OverloadGuard({ maxConnectionsPerProcess: 0, overloadMaxRssMb: 0, overloadMaxHeapPercent: 0 }, new ManualClock(), () => assert.fail('read memory'));
    assert.equal(guard.refusal(1_000_000), null);
  });

  it('reads this process’s real memory by default', () => {
    const { rssBytes, heapUsedBytes, heapLimitBytes } = processMemory();
    assert.ok(rssBytes > heapUsedBytes && heapUsedBytes > 0 && heapLimitBytes > heapUsedBytes, JSON.stringify(processMemory()));
    const guard = new OverloadGuard({ maxConnectionsPerProcess: 0, overloadMaxRssMb: 1, overloadMaxHeapPercent: 0 }, new ManualClock());
    assert.equal(guard.refusal(0)?.reason, 'memory', 'no Node process fits in 1 MiB');
  });
});
