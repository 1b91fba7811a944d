import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exceedsJsonDepth, MAX_JSON_DEPTH } from './json-depth';

const nested = (levels: number): unknown => JSON.parse('['.repeat(levels) + ']'.repeat(levels));

describe('exceedsJsonDepth', () => {
  it('lets scalars, strings and shallow values through', () => {
    for (const value of [null, 1, 'x', '[[[[[[', {}, [], { a: [{ b: 1 }] }]) assert.equal(exceedsJsonDepth(value), false);
  });

  it(`allows exactly ${MAX_JSON_DEPTH} levels and refuses one more`, () => {
    assert.equal(exceedsJsonDepth(nested(MAX_JSON_DEPTH)), false);
    assert.equal(exceedsJsonDepth(nested(MAX_JSON_DEPTH + 1)), true);
  });

  it('finds deep nesting under objects and past wide siblings', () => {
    const deep = { a: [1, 2, 3], b: { c: nested(200) } };
    assert.equal(exceedsJsonDepth(deep), true);
  });

  it('checks 100,000 levels without overflowing the stack', () => {
    assert.equal(exceedsJsonDepth(nested(100_000)), true);
  });
});
