import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from './manual-clock';

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('ManualClock', () => {
  it('stands still until advanced', () => {
    const clock = new ManualClock(1000);
    assert.equal(clock.now(), 1000);
    clock.advance(250);
    assert.equal(clock.now(), 1250);
  });

  it('runs the timers that fall due in time order, ties in the order they were set, each at its due time', () => {
    const clock = new ManualClock(0);
    const ran: string[] = [];
    clock.setTimeout(() => ran.push(`b@${clock.now()}`), 200);
    clock.setTimeout(() => ran.push(`a@${clock.now()}`), 100);
    clock.setTimeout(() => ran.push(`c@${clock.now()}`), 200);
    clock.setTimeout(() => ran.push(`late@${clock.now()}`), 301);
    clock.advance(300);
    assert.deepEqual(ran, ['a@100', 'b@200', 'c@200']);
    assert.equal(clock.now(), 300);
    clock.advance(1);
    assert.deepEqual(ran.at(-1), 'late@301');
  });

  it('runs, in the same advance, a timer that a timer sets when it falls due within the span', () => {
    const clock = new ManualClock(0);
    const ran: number[] = [];
    clock.setTimeout(() => {
      ran.push(clock.now());
      clock.setTimeout(() => ran.push(clock.now()), 50);
      clock.setTimeout(() => ran.push(clock.now()), 500);
    }, 100);
    clock.advance(200);
    assert.deepEqual(ran, [100, 150]);
    assert.equal(clock.pendingTimers(), 1);
  });

  it('repeats an interval until it is cleared, and never runs a cleared timeout', () => {
    const clock = new ManualClock(0);
    const ticks: number[] = [];
    const interval = clock.setInterval(() => ticks.push(clock.now()), 100);
    let cleared = false;
    clock.clearTimeout(clock.setTimeout(() => (cleared = true), 50));
    clock.advance(350);
    assert.deepEqual(ticks, [100, 200, 300]);
    clock.clearInterval(interval);
    clock.advance(1000);
    assert.deepEqual(ticks, [100, 200, 300]);
    assert.equal(cleared, false);
    assert.equal(clock.pendingTimers(), 0);
  });

  it('orders an interval among equal due times by when it was last re-armed', () => {
    const clock = new ManualClock(0);
    const ran: string[] = [];
    clock.setInterval(() => ran.push(`interval@${clock.now()}`), 100);
    clock.advance(50);
    clock.setTimeout(() => ran.push(`timeout@${clock.now()}`), 150);
    clock.advance(150);
    assert.deepEqual(ran, ['interval@100', 'timeout@200', 'interval@200']);
  });

  it('runs a timer due at once on the next turn without being advanced, as Node would', async () => {
    const clock = new ManualClock(0);
    const ran: number[] = [];
    clock.setTimeout(() => ran.push(clock.now()), 0);
    clock.setTimeout(() => ran.push(-1), 1);
    assert.deepEqual(ran, [], 'not inside setTimeout itself');
    await nextTurn();
    assert.deepEqual(ran, [0]);
    assert.equal(clock.now(), 0);
  });

  it('gives handles whose unref() returns the handle, like Node’s', () => {
    const clock = new ManualClock(0);
    const timer = clock.setTimeout(() => undefined, 10);
    assert.equal(timer.unref(), timer);
  });
});
