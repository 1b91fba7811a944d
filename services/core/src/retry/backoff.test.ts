import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type BackoffPolicy, backoffDelay, type RandomSource } from './backoff';

const POLICY: BackoffPolicy = { initialMs: 1000, multiplier: 2, maxMs: 60_000, jitter: 0.25 };
const STEADY: BackoffPolicy = { ...POLICY, jitter: 0 };

/** mulberry32: a tiny seeded generator, so a jittered sequence can be replayed. */
function seeded(seed: number): RandomSource {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('backoffDelay', () => {
  it('starts at initialMs and multiplies per attempt', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5].map((n) => backoffDelay(STEADY, n)),
      [1000, 2000, 4000, 8000, 16_000],
    );
    assert.deepEqual(
      [1, 2, 3].map((n) => backoffDelay({ initialMs: 100, multiplier: 5, maxMs: 5000, jitter: 0 }, n)),
      [100, 500, 2500],
    );
  });

  it('never waits longer than maxMs, however many attempts (no overflow to Infinity or NaN)', () => {
    assert.equal(backoffDelay(STEADY, 7), 60_000);
    assert.equal(backoffDelay(STEADY, 10_000), 60_000);
    for (let n = 1; n < 2000; n += 37) assert.ok(backoffDelay(POLICY, n) <= POLICY.maxMs);
  });

  it('treats attempt 0, negatives and fractions as the first retry or the attempt below', () => {
    assert.equal(backoffDelay(STEADY, 0), 1000);
    assert.equal(backoffDelay(STEADY, -3), 1000);
    assert.equal(backoffDelay(STEADY, 2.7), 2000);
  });

  it('jitters each wait down by at most `jitter` of it: the extremes of the random source are the bounds', () => {
    assert.equal(
      backoffDelay(POLICY, 1, () => 0),
      1000,
    );
    assert.equal(
      backoffDelay(POLICY, 1, () => 0.999_999_9),
      750,
    );
    assert.equal(
      backoffDelay(POLICY, 9, () => 0.5),
      52_500,
      'the cap is jittered too',
    );
    const random = seeded(1);
    for (let n = 1; n <= 12; n++) {
      const ceiling = backoffDelay(STEADY, n);
      for (let i = 0; i < 200; i++) {
        const delay = backoffDelay(POLICY, n, random);
        assert.ok(delay >= ceiling * 0.75 && delay <= ceiling, `attempt ${n}: ${delay} within [${ceiling * 0.75}, ${ceiling}]`);
        assert.ok(Number.isInteger(delay));
      }
    }
  });

  it('spreads waits over the jitter range rather than bunching them', () => {
    const random = seeded(42);
    const delays = Array.from({ length: 1000 }, () => backoffDelay(POLICY, 1, random));
    const low = delays.filter((d) => d < 875).length;
    assert.ok(low > 400 && low < 600, `about half in the lower half of [750, 1000]: ${low} of 1000`);
    assert.ok(new Set(delays).size > 200, 'many distinct waits');
  });

  it('is deterministic for a seeded random source', () => {
    const run = (seed: number) => {
      const random = seeded(seed);
      return [1, 2, 3, 4, 5, 6].map((n) => backoffDelay(POLICY, n, random));
    };
    assert.deepEqual(run(7), run(7));
    assert.notDeepEqual(run(7), run(8));
  });
});
