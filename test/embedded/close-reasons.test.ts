/**
 * Refusals whose message echoes client input (an unknown app key, a protocol value) must still
 * close with their Pusher code: a close reason over 123 bytes makes ws throw, the client sees
 * 1006 and pusher-js, taking it for a network failure, reconnects forever.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type PusherJs from 'pusher-js';
import { createClient } from '../helpers/pusher-clients';
import { rawClient } from '../helpers/raw-client';
import { startTestHerald, type TestHerald } from '../helpers/test-herald';
import { within } from '../helpers/wait';

const LONG_KEYS: Record<string, string> = {
  '150-character': 'k'.repeat(150),
  '300-character': 'k'.repeat(300),
  'multi-byte (emoji)': '😀'.repeat(40),
};

describe('close reasons fit a close frame', () => {
  let herald: TestHerald;
  const clients: PusherJs[] = [];
  before(async () => {
    herald = await startTestHerald();
  });
  after(async () => {
    for (const client of clients) client.disconnect();
    await herald.stop();
  });

  async function assertRawClosed(key: string, query: string, code: number): Promise<void> {
    const raw = await rawClient(herald.port, encodeURIComponent(key), query);
    const closed = await within(raw.closed, `close ${code}`);
    assert.equal(closed.code, code);
    assert.ok(Buffer.byteLength(closed.reason) <= 123, `reason of ${Buffer.byteLength(closed.reason)} bytes`);
    assert.ok(closed.reason.length > 0, 'the reason says why');
  }

  for (const [what, key] of Object.entries(LONG_KEYS)) {
    it(`a raw client with a ${what} unknown key is closed with 4001 and a reason of at most 123 bytes`, async () => {
      await assertRawClosed(key, 'protocol=7&client=test&version=1.0', 4001);
    });

    // pusher-js's Node build does not percent-encode the key in its URL, so it never sends a non-ASCII one.
    if (!/^[\x20-\x7e]*$/.test(key)) continue;
    it(`pusher-js with a ${what} unknown key sees 4001 and does not reconnect`, async () => {
      const client = createClient(herald, { id: 'nope', key, secret: 'x' });
      clients.push(client);
      const states: string[] = [];
      client.connection.bind('state_change', (s: { current: string }) => states.push(s.current));
      const refused = within(new Promise<{ error?: { data: { code: number } } }>((resolve) => client.connection.bind('error', resolve)), 'pusher-js to report the refusal');
      const disconnected = within(new Promise<void>((resolve) => client.connection.bind('disconnected', () => resolve())), 'pusher-js to give up');
      assert.equal((await refused).error?.data.code, 4001);
      await disconnected;
      // pusher-js handles 4000-4099 as "refused": disconnected for good, no retry scheduled.
      type Timer = { isRunning(): boolean } | null | undefined;
      const manager = client.connection as unknown as { runner: unknown; retryTimer: Timer; unavailableTimer: Timer };
      assert.equal(client.connection.state, 'disconnected');
      assert.ok(!manager.runner, 'no connection attempt in progress');
      assert.ok(!manager.retryTimer?.isRunning(), 'no reconnect scheduled');
      assert.ok(!manager.unavailableTimer?.isRunning(), 'no "unavailable" timer running');
      assert.deepEqual(states, ['disconnected'], 'it never went back to connecting');
    });
  }

  it('a raw client with a 500-character protocol= value is closed with 4007 and a reason of at most 123 bytes', async () => {
    // pusher-js always sends protocol=7, so only a raw client can send this.
    await assertRawClosed('test-key', `protocol=${'9'.repeat(500)}&client=test&version=1.0`, 4007);
  });
});
