import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RecentEventIds } from './recent-event-ids';

describe('RecentEventIds', () => {
  it('outside a replay, records and lets every event through', () => {
    const ids = new RecentEventIds(4);
    assert.equal(ids.firstSighting('a'), true);
    assert.equal(ids.firstSighting('a'), true, 'live events are not checked: NATS does not repeat them');
  });

  it('during a replay, drops what was handled before it and what arrives twice during it', () => {
    const ids = new RecentEventIds(4);
    ids.firstSighting('before-1');
    ids.firstSighting('before-2');
    ids.beginReplay();
    assert.equal(ids.firstSighting('before-1'), false, 'delivered before the outage');
    assert.equal(ids.firstSighting('missed'), true, 'missed during the outage');
    assert.equal(ids.firstSighting('missed'), false, 'the live copy after the replayed one');
    ids.endReplay();
    assert.equal(ids.firstSighting('missed'), true, 'checks end with the replay');
  });

  it('remembers only the last `capacity` ids: older ones may be repeated, never dropped', () => {
    const ids = new RecentEventIds(2);
    for (const id of ['a', 'b', 'c']) ids.firstSighting(id);
    ids.beginReplay();
    assert.equal(ids.firstSighting('a'), true, 'pushed out of the ring');
    assert.equal(ids.firstSighting('b'), false);
    assert.equal(ids.firstSighting('c'), false);
  });
});
