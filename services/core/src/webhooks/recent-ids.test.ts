import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RecentIds } from './recent-ids';

describe('RecentIds', () => {
  it('reports an id seen within the window, and not once the window has passed', () => {
    const ids = new RecentIds(1000);
    assert.equal(ids.seen('a', 0), false);
    assert.equal(ids.seen('a', 999), true);
    assert.equal(ids.seen('a', 1000), false, 'forgotten after the window: seen anew');
    assert.equal(ids.seen('a', 1999), true, 'and remembered from then on');
  });

  it('forgets expired ids at the next check, oldest first, with no threshold of ids to reach first', () => {
    const ids = new RecentIds(1000);
    for (let i = 0; i < 500; i++) ids.seen(`early-${i}`, i);
    for (let i = 0; i < 5000; i++) ids.seen(`late-${i}`, 600);
    assert.equal(ids.size, 5500);
    assert.equal(ids.seen('x', 1250), false);
    assert.equal(ids.size, 249 + 5000 + 1, 'early ids 0..250 forgotten; 251..499, the late ones and x kept');
    assert.equal(ids.seen('early-251', 1250), true);
    assert.equal(ids.seen('late-4999', 1599), true);
    assert.equal(ids.seen('y', 1600), false);
    assert.equal(ids.size, 2, 'only x and y are within the window');
  });
});
