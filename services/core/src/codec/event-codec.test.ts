import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeEvent, encodeEvent } from './event-codec';
import { GatewayLease, GatewayUpdate, WebhookEvent } from './messages';

// Timestamps and sequence numbers must decode as plain numbers: protobufjs turns 64-bit
// integer fields into `Long` objects, and comparing two of those with `>` compares strings.
test('an event round-trips with a millisecond timestamp as a plain number', () => {
  const publishedAtMs = 1_790_000_000_123;
  const event = decodeEvent(encodeEvent({ appId: 'a', channel: 'c', name: 'n', data: '{"x":1}', publishedAtMs, excludeSocketId: '1.2' }));
  assert.equal(typeof event.publishedAtMs, 'number');
  assert.equal(event.publishedAtMs, publishedAtMs);
  assert.equal(event.data, '{"x":1}');
  assert.equal(event.excludeSocketId, '1.2');
  assert.equal(event.replicated, false);
});

test('gateway update and lease sequence numbers compare numerically after decoding', () => {
  const nine = GatewayUpdate.decode(GatewayUpdate.encode({ gatewayId: 'g', seq: 9 }));
  const ten = GatewayLease.decode(GatewayLease.encode({ gatewayId: 'g', seq: 10, ttlMs: 15000 }));
  assert.equal(typeof nine.seq, 'number');
  assert.ok(ten.seq > nine.seq);
  const large = GatewayUpdate.decode(GatewayUpdate.encode({ gatewayId: 'g', seq: 2 ** 40 + 1 }));
  assert.equal(large.seq, 2 ** 40 + 1);
});

test('webhook event time decodes as a plain number', () => {
  const decoded = WebhookEvent.decode(WebhookEvent.encode({ id: 'e1', appId: 'a', name: 'channel_occupied', channel: 'c', timeMs: 1_790_000_000_456 }));
  assert.equal(decoded.timeMs, 1_790_000_000_456);
  assert.equal(typeof decoded.timeMs, 'number');
});
