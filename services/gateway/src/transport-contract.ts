/**
 * The contract every Transport passes: the rules written in transport.ts, run by
 * ws-transport.test.ts (a real ws client on loopback) and recording-transport.test.ts (the
 * unit tests' fake), so what a unit test sees on the fake is what a client would see.
 *
 * Each test ends the exchange with `close` or `terminate`; `received` then reports what the
 * client got up to the end (for ws: once the client saw the socket close).
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { serverTextFrame } from '../../core/src/protocol/websocket-frame';
import type { Transport } from './transport';

export interface Received {
  /** The payload of every text frame, in order. */
  readonly texts: string[];
  readonly pings: number;
  /** The close frame, when the socket was closed with one. */
  readonly close?: { readonly code: number; readonly reason: string };
  /** The socket ended without a close frame. */
  readonly terminated: boolean;
}

export interface TransportHarness {
  readonly transport: Transport;
  received(): Promise<Received>;
  cleanup(): Promise<void>;
}

export function transportContract(name: string, create: () => Promise<TransportHarness>): void {
  describe(`${name} (Transport contract)`, () => {
    let harness: TransportHarness;
    let transport: Transport;
    beforeEach(async () => {
      harness = await create();
      transport = harness.transport;
    });
    afterEach(() => harness.cleanup());

    it('starts open, with nothing buffered', async () => {
      assert.equal(transport.open, true);
      assert.equal(transport.bufferedAmount, 0);
      transport.close(1000, 'done');
      await harness.received();
    });

    it('delivers text and pre-framed frames whole and in call order, of every length encoding', async () => {
      const sizes = [10, 200, 70_000];
      const texts = sizes.flatMap((size, i) => [`t${i}:${'a'.repeat(size)}`, `f${i}:${'b'.repeat(size)}`]);
      for (const [i, text] of texts.entries()) {
        if (i % 2 === 0) transport.sendText(text);
        else transport.sendFrame(serverTextFrame(text));
      }
      transport.close(1000, 'bye');
      const received = await harness.received();
      assert.deepEqual(received.texts, texts);
      assert.deepEqual(received.close, { code: 1000, reason: 'bye' });
      assert.equal(received.terminated, false);
    });

    it('closes with the code and the reason cut to 123 bytes at a character boundary, and is not open from then on', async () => {
      transport.sendText('before');
      transport.close(4100, 'é'.repeat(100));
      assert.equal(transport.open, false);
      // Dropped without an error: a Connection need not know who closed first.
      transport.sendText('after');
      transport.sendFrame(serverTextFrame('after'));
      transport.ping();
      transport.close(4200, 'again');
      const received = await harness.received();
      assert.deepEqual(received.texts, ['before']);
      assert.deepEqual(received.close, { code: 4100, reason: 'é'.repeat(61) });
      assert.equal(received.pings, 0);
    });

    it('pings while open', async () => {
      transport.ping();
      transport.close(1000, 'done');
      assert.equal((await harness.received()).pings, 1);
    });

    it('terminates without a close frame and stops being open', async () => {
      transport.sendText('last');
      transport.terminate();
      assert.equal(transport.open, false);
      transport.sendText('after');
      const received = await harness.received();
      assert.equal(received.terminated, true);
      assert.equal(received.close, undefined);
    });
  });
}
