import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nextRetry } from './retry-policy';

const WINDOW_MS = 5 * 60 * 1000;
const highest = () => 0;
const lowest = () => 0.999_999;

describe('nextRetry', () => {
  it('waits 1 s after the first failure, doubling to 60 s, each up to 10 % shorter', () => {
    const waits = (random: () => number) => [1, 2, 3, 4, 5, 6, 7, 8].map((n) => nextRetry(n, 0, 0, WINDOW_MS, random).delayMs);
    assert.deepEqual(waits(highest), [1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000]);
    assert.deepEqual(waits(lowest), [900, 1800, 3600, 7200, 14_400, 28_800, 54_000, 54_000]);
  });

  it('gives up (dead-letters) once the next try would fall outside the retry window', () => {
    assert.deepEqual(nextRetry(3, 0, WINDOW_MS - 4000, WINDOW_MS, highest), { retry: true, delayMs: 4000 });
    assert.deepEqual(nextRetry(3, 0, WINDOW_MS - 3999, WINDOW_MS, highest), { retry: false, delayMs: 0 });
  });
});
