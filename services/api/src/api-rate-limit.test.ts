/**
 * The per-app API request rate: a one-second window per app opened by its first request,
 * as @fastify/rate-limit counted it — the same headers, the same 429 — on a manual clock.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { App } from '../../core/src/apps/app-registry';
import { appSchema } from '../../core/src/config/app-schema';
import { ManualClock } from '../../core/src/manual-clock';
import { ApiError, apiErrors } from './api-errors';
import { ApiRateLimit } from './api-rate-limit';

const app = (id: string, maxApiRequestsPerSecond: number): App => appSchema.parse({ id, key: `${id}-key`, secret: 'secret', limits: { maxApiRequestsPerSecond } });

/** admit()'s outcome: its headers, or the refusal it threw. */
function outcome(limit: ApiRateLimit, of: App): { headers?: Record<string, string>; refused?: ApiError } {
  try {
    return { headers: limit.admit(of) };
  } catch (err) {
    assert.ok(err instanceof ApiError);
    return { refused: err };
  }
}

describe('ApiRateLimit', () => {
  it('counts nothing and adds no headers for an app without a limit', () => {
    const limit = new ApiRateLimit(new ManualClock());
    const unlimited = app('free', 0);
    for (let i = 0; i < 1000; i++) assert.equal(limit.admit(unlimited), undefined);
  });

  it('admits the limit within a window, with the remaining count, then refuses with 429 and when to retry', () => {
    const clock = new ManualClock();
    const limit = new ApiRateLimit(clock);
    const three = app('three', 3);
    assert.deepEqual(outcome(limit, three).headers, { 'x-ratelimit-limit': '3', 'x-ratelimit-remaining': '2', 'x-ratelimit-reset': '1' });
    clock.advance(400);
    assert.deepEqual(outcome(limit, three).headers, { 'x-ratelimit-limit': '3', 'x-ratelimit-remaining': '1', 'x-ratelimit-reset': '1' });
    assert.deepEqual(outcome(limit, three).headers, { 'x-ratelimit-limit': '3', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1' });
    const { refused } = outcome(limit, three);
    assert.ok(refused);
    assert.equal(refused.kind, apiErrors.tooManyRequests);
    assert.equal(refused.status, 429);
    assert.equal(refused.message, 'Too many requests for this app: the limit is 3 per second, retry in 1 second');
    assert.deepEqual(refused.headers, { 'x-ratelimit-limit': '3', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1', 'retry-after': '1' });
  });

  it('opens a new window a second after the first request of the last one, not a second after the last request', () => {
    const clock = new ManualClock();
    const limit = new ApiRateLimit(clock);
    const one = app('one', 1);
    assert.ok(outcome(limit, one).headers);
    clock.advance(999);
    assert.ok(outcome(limit, one).refused, 'still the first window');
    clock.advance(1);
    assert.deepEqual(outcome(limit, one).headers, { 'x-ratelimit-limit': '1', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1' });
    assert.ok(outcome(limit, one).refused, 'the new window is full');
  });

  it("keeps each app's count apart", () => {
    const limit = new ApiRateLimit(new ManualClock());
    const [a, b] = [app('a', 2), app('b', 2)];
    limit.admit(a);
    limit.admit(a);
    assert.ok(outcome(limit, a).refused);
    assert.deepEqual(outcome(limit, b).headers?.['x-ratelimit-remaining'], '1');
  });

  it("applies an app's limit as it is now (apps reloaded from PostgreSQL may change it)", () => {
    const limit = new ApiRateLimit(new ManualClock());
    limit.admit(app('changing', 1));
    assert.ok(outcome(limit, app('changing', 1)).refused);
    assert.deepEqual(outcome(limit, app('changing', 5)).headers?.['x-ratelimit-remaining'], '2');
    assert.equal(outcome(limit, app('changing', 0)).headers, undefined, 'limit removed: not counted');
  });
});
