import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findSentAt, timestampedData } from './timestamped-payload';

test('the send time is found in a channel event frame, where data is an escaped JSON string', () => {
  const frame = Buffer.from(JSON.stringify({ event: 'bench', channel: 'c', data: timestampedData(1732800000123.457, 7, 100) }));
  assert.equal(findSentAt(frame, 0, frame.length), 1732800000123.457);
});

test('the send time is found in a client event frame, where data is an object', () => {
  const frame = Buffer.from(`{"event":"client-bench","channel":"private-c","data":${timestampedData(1732800000001.5, 1, 50)}}`);
  assert.equal(findSentAt(frame, 0, frame.length), 1732800000001.5);
});

test('frames without a timestamp are left to the JSON path', () => {
  const frame = Buffer.from('{"event":"pusher_internal:subscription_succeeded","channel":"c","data":"{}"}');
  assert.equal(findSentAt(frame, 0, frame.length), -1);
});

test('only the given range of the buffer is searched', () => {
  const frame = Buffer.from(`xx${JSON.stringify({ event: 'e', data: timestampedData(5, 1, 0) })}`);
  assert.equal(findSentAt(frame, 0, 2), -1);
});

test('data is padded to the requested size', () => {
  assert.equal(timestampedData(1732800000000.125, 12, 100).length, 100);
  assert.doesNotThrow(() => JSON.parse(timestampedData(1, 1, 100)));
});
