import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nonNumericAppIdWarning } from './numeric-app-ids';

describe('nonNumericAppIdWarning', () => {
  it('says nothing when every app id is numeric, as Pusher issues them', () => {
    assert.equal(nonNumericAppIdWarning(['1', '1234567']), undefined);
    assert.equal(nonNumericAppIdWarning([]), undefined);
  });

  it('names each id the official SDKs would refuse', () => {
    const warning = nonNumericAppIdWarning(['1', 'app-id', 'my_app', '12a']);
    assert.match(warning ?? '', /^app ids "app-id", "my_app", "12a" are not numeric: the official Python and Go server SDKs refuse them/);
  });
});
