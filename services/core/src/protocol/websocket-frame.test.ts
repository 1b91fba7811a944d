import assert from 'node:assert/strict';
import type { EventEmitter } from 'node:events';
import { test } from 'node:test';
import WebSocket from 'ws';
import { closeReason, readServerTextFrame, serverTextFrame } from './websocket-frame';

/** ws's frame parser (exported at run time, missing from @types/ws). */
const { Receiver } = WebSocket as unknown as {
  Receiver: new (options: { isServer: boolean; maxPayload: number }) => EventEmitter & { write(chunk: Buffer): void };
};

function parse(frame: Buffer): Promise<{ text: string; isBinary: boolean }> {
  return new Promise((resolve, reject) => {
    const receiver = new Receiver({ isServer: false, maxPayload: 0 });
    receiver.on('message', (data: Buffer, isBinary: boolean) => resolve({ text: data.toString('utf8'), isBinary }));
    receiver.on('error', reject);
    receiver.write(frame);
  });
}

for (const size of [0, 125, 126, 65535, 65536, 100_000]) {
  test(`a ${size}-byte payload becomes one text frame that ws's own receiver reads back`, async () => {
    const text = 'é'.repeat(Math.floor(size / 2)) + 'x'.repeat(size % 2);
    const frame = serverTextFrame(Buffer.from(text, 'utf8'));
    assert.deepEqual(await parse(frame), { text, isBinary: false });
    assert.deepEqual(serverTextFrame(text), frame, 'a string payload gives the same bytes');
    assert.equal(readServerTextFrame(frame), text, 'and reads back');
  });
}

test('readServerTextFrame refuses what serverTextFrame does not build', () => {
  assert.throws(() => readServerTextFrame(Buffer.from([0x82, 0])), /text frame/);
  assert.throws(() => readServerTextFrame(Buffer.from([0x81, 0x80, 0, 0, 0, 0])), /text frame/, 'masked');
  assert.throws(() => readServerTextFrame(serverTextFrame('abc').subarray(0, 4)), /header says 3/);
});

test('closeReason keeps a reason of up to 123 bytes and cuts a longer one at a character boundary', () => {
  assert.equal(closeReason('x'.repeat(123)), 'x'.repeat(123));
  assert.equal(closeReason('x'.repeat(200)), 'x'.repeat(123));
  // 'é' is 2 bytes: 61 of them fill 122 bytes, the 62nd would straddle the limit.
  assert.equal(closeReason('é'.repeat(100)), 'é'.repeat(61));
  assert.equal(closeReason(`x${'€'.repeat(60)}`), `x${'€'.repeat(40)}`, '3-byte characters: 1 + 40 × 3 = 121 bytes');
});
