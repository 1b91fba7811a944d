/**
 * Backpressure: a subscriber that stops reading is cut off with 4100 once its unsent bytes
 * pass HERALD_MAX_SOCKET_BUFFER_BYTES, and the subscribers that do read miss nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type PusherJs from 'pusher-js';
import { collect, connectedClient, serverSdk, subscribed } from '../helpers/pusher-clients';
import { rawClient } from '../helpers/raw-client';
import { DEFAULT_TEST_APP, startTestHerald, type TestHerald } from '../helpers/test-herald';
import { waitFor } from '../helpers/wait';

const BUFFER_LIMIT = 256 * 1024;
// Large events, so that the loopback's kernel buffers (tens of MB with autotuning) fill fast.
const EVENT_DATA = 'x'.repeat(100 * 1024);
const APP = { ...DEFAULT_TEST_APP, limits: { maxEventPayloadBytes: 128 * 1024 } };

describe('slow consumers', () => {
  let herald: TestHerald;
  let reader: PusherJs;

  before(async () => {
    herald = await startTestHerald({ apps: [APP], env: { HERALD_MAX_SOCKET_BUFFER_BYTES: String(BUFFER_LIMIT) } });
  });
  after(async () => {
    reader?.disconnect();
    await herald?.stop();
  });

  const slowConsumersClosed = async () => {
    const metrics = await (await fetch(`${herald.httpUrl}/metrics`)).text();
    return Number(/^herald_gateway_slow_consumers_total(?:{[^}]*})? (\d+)/m.exec(metrics)?.[1] ?? 0);
  };

  it('closes a client that stops reading with 4100 after what it had not read, and the others get every event', async () => {
    const app = herald.apps[0];
    const slow = await rawClient(herald.port, app.key);
    assert.equal((await slow.subscribe('firehose')).event, 'pusher_internal:subscription_succeeded');
    reader = await connectedClient({ port: herald.port }, app);
    const received = collect<string>(await subscribed(reader, 'firehose'), 'burst');

    // Stop reading: the kernel's buffers fill first, then Herald's buffer for this socket.
    slow.socket.pause();
    const sdk = serverSdk({ port: herald.port }, app);
    let published = 0;
    for (let batch = 0; batch < 200 && (await slowConsumersClosed()) === 0; batch++) {
      await sdk.triggerBatch(Array.from({ length: 8 }, () => ({ channel: 'firehose', name: 'burst', data: EVENT_DATA })));
      published += 8;
    }
    assert.equal(await slowConsumersClosed(), 1, `the slow client was cut off (published ${published} events of 100 KB)`);

    await waitFor(() => received.length === published, `the reading client to get all ${published} events (has ${received.length})`, 10_000);
    assert.ok(received.every((data) => data === EVENT_DATA));
    assert.equal(reader.connection.state, 'connected');

    // Reading again, the slow client finds the events it was sent, then the 4100 error and close.
    slow.socket.resume();
    const closed = await slow.closed;
    assert.equal(closed.code, 4100);
    const error = slow.frames.at(-1);
    assert.ok(error, 'the slow client got frames');
    assert.equal(error.event, 'pusher:error');
    assert.equal((error.data as { code: number }).code, 4100);
    const bursts = slow.frames.filter((f) => f.event === 'burst').length;
    assert.ok(bursts > 0 && bursts < published, `the slow client got ${bursts} of ${published} events before the cut`);
  });
});
