import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../core/src/manual-clock';
import { ReplicatedEventFilter } from './replicated-event-filter';

describe('ReplicatedEventFilter', () => {
  it('delivers the first copy of an event id and drops the copies of the other replicas', () => {
    const filter = new ReplicatedEventFilter(new ManualClock(), 30_000);
    assert.equal(filter.firstSighting('evt-1'), true);
    assert.equal(filter.firstSighting('evt-1'), false);
    assert.equal(filter.firstSighting('evt-1'), false);
    assert.equal(filter.firstSighting('evt-2'), true, 'other ids are independent');
  });

  it('remembers an id for at least one rotation period, across a rotation', () => {
    const clock = new ManualClock();
    const filter = new ReplicatedEventFilter(clock, 1000);
    assert.equal(filter.firstSighting('a'), true);
    clock.advance(999);
    assert.equal(filter.firstSighting('a'), false, 'before the first rotation');
    clock.advance(1);
    assert.equal(filter.firstSighting('x'), true, 'this sighting rotates the generations');
    assert.equal(filter.firstSighting('a'), false, 'still remembered in the previous generation');
    clock.advance(999);
    assert.equal(filter.firstSighting('a'), false, '1999 ms after it was seen');
  });

  it('forgets an id after two rotations, so memory stays bounded', () => {
    const clock = new ManualClock();
    const filter = new ReplicatedEventFilter(clock, 1000);
    assert.equal(filter.firstSighting('a'), true);
    clock.advance(1000);
    assert.equal(filter.firstSighting('b'), true);
    clock.advance(1000);
    assert.equal(filter.firstSighting('c'), true);
    assert.equal(filter.firstSighting('a'), true, 'seen again as new after two rotations');
    assert.equal(filter.firstSighting('b'), false, 'the id of the previous period is still known');
  });
});

describe('ReplicatedEventFilter after a quiet spell', () => {
  it('forgets ids older than two periods even when nothing was seen in between', () => {
    const clock = new ManualClock();
    const filter = new ReplicatedEventFilter(clock, 1000);
    assert.equal(filter.firstSighting('a'), true);
    clock.advance(10_000);
    assert.equal(filter.firstSighting('a'), true, 'seen ten periods ago: a new event, not a copy');
    assert.equal(filter.firstSighting('a'), false, 'and its copies are dropped again');
  });

  it('still remembers ids of the previous period after a quiet spell shorter than two periods', () => {
    const clock = new ManualClock();
    const filter = new ReplicatedEventFilter(clock, 1000);
    assert.equal(filter.firstSighting('a'), true);
    clock.advance(1999);
    assert.equal(filter.firstSighting('a'), false);
  });
});
