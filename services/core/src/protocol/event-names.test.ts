import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { apiEventNameProblem, isClientEventName, isReservedEventName } from './event-names';

describe('event names', () => {
  it('recognises client events by the exact client- prefix', () => {
    assert.equal(isClientEventName('client-typing'), true);
    assert.equal(isClientEventName('client-'), true);
    assert.equal(isClientEventName('clienttyping'), false);
    assert.equal(isClientEventName('Client-typing'), false);
    assert.equal(isClientEventName('my-client-event'), false);
  });

  it('reserves pusher: and pusher_internal: names', () => {
    assert.equal(isReservedEventName('pusher:subscribe'), true);
    assert.equal(isReservedEventName('pusher_internal:member_added'), true);
    assert.equal(isReservedEventName('pusher-like'), false);
    assert.equal(isReservedEventName('my-pusher:event'), false);
  });

  it('lets the API trigger ordinary names up to 200 characters', () => {
    assert.equal(apiEventNameProblem('order-shipped', 200), null);
    assert.equal(apiEventNameProblem('App\\Events\\OrderShipped', 200), null);
    assert.equal(apiEventNameProblem('e'.repeat(200), 200), null);
  });

  it('refuses 201 characters, naming the length and the limit', () => {
    assert.equal(apiEventNameProblem('e'.repeat(201), 200), 'Event name too long: 201 characters, the limit is 200');
    assert.match(apiEventNameProblem('e'.repeat(11), 10) ?? '', /11 characters, the limit is 10/);
  });

  it('refuses reserved, empty and non-string names', () => {
    assert.match(apiEventNameProblem('pusher:subscribe', 200) ?? '', /reserved/);
    assert.match(apiEventNameProblem('pusher_internal:subscription_succeeded', 200) ?? '', /reserved/);
    for (const bad of ['', undefined, null, 7, {}]) assert.equal(apiEventNameProblem(bad, 200), 'Event name is required');
  });
});
