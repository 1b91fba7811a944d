import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../manual-clock';
import { LogSummary, type SummaryLine } from './log-summary';

describe('LogSummary', () => {
  it('writes the first occurrence of a key at once, then one summary per key per interval, then forgets a quiet key', () => {
    const clock = new ManualClock();
    const lines: Array<SummaryLine<number>> = [];
    const summary = new LogSummary<number>(clock, 10_000, (line) => lines.push(line));
    for (let i = 1; i <= 1000; i++) summary.record('a', i);
    summary.record('b', 1);
    assert.deepEqual(lines, [
      { key: 'a', count: 1, first: true, last: 1 },
      { key: 'b', count: 1, first: true, last: 1 },
    ]);
    clock.advance(9_999);
    assert.equal(lines.length, 2, 'nothing more within the interval');
    clock.advance(1);
    assert.deepEqual(lines.slice(2), [{ key: 'a', count: 999, first: false, last: 1000 }], 'b had nothing more to say');
    summary.record('a', 1001);
    clock.advance(10_000);
    assert.deepEqual(lines.slice(3), [{ key: 'a', count: 1, first: false, last: 1001 }]);
    clock.advance(10_000);
    assert.equal(lines.length, 4, 'a quiet interval writes nothing');
    summary.record('a', 1002);
    assert.deepEqual(lines.slice(4), [{ key: 'a', count: 1, first: true, last: 1002 }], 'after a quiet interval the next one is written at once');
    assert.equal(clock.pendingTimers(), 1);
    summary.record('a', 1003);
    summary.close();
    assert.deepEqual(lines.slice(5), [{ key: 'a', count: 1, first: false, last: 1003 }], 'close writes what was counted');
    assert.equal(clock.pendingTimers(), 0, 'and stops its timer');
  });
});
