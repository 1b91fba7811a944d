/**
 * Server-side keep-alive: a socket silent for activity_timeout gets a WebSocket ping; one
 * that answers stays, one that does not is closed with pusher:error 4201 and close code
 * 4201. Time is a clock the test moves, so nothing waits for the real timeouts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../services/core/src/manual-clock';
import { type RawClient, rawClient } from '../helpers/raw-client';
import { startTestHerald, type TestApp, type TestHerald } from '../helpers/test-herald';
import { within } from '../helpers/wait';

const APP: TestApp = { id: 'keepalive-app', key: 'keepalive-key', secret: 'keepalive-secret' };
const ACTIVITY_TIMEOUT_MS = 2000;
const PONG_TIMEOUT_MS = 1000;

describe('keep-alive: idle sockets are pinged and silent ones closed with 4201', () => {
  let herald: TestHerald;
  const clock = new ManualClock(Date.now());
  const raws: RawClient[] = [];
  before(async () => {
    // Short timeouts make the activity sweep run every 250 ms; the clock decides when time passes.
    herald = await startTestHerald({
      apps: [APP],
      clock,
      env: {
        HERALD_ACTIVITY_TIMEOUT: String(ACTIVITY_TIMEOUT_MS / 1000),
        HERALD_PONG_TIMEOUT: String(PONG_TIMEOUT_MS / 1000),
      },
    });
  });
  after(async () => {
    for (const r of raws) r.close();
    await herald.stop();
  });

  async function connect(autoPong: boolean): Promise<RawClient> {
    const r = await rawClient(herald.port, APP.key, undefined, { autoPong });
    raws.push(r);
    return r;
  }

  const pinged = (r: RawClient, what: string) => within(new Promise<void>((resolve) => r.socket.once('ping', () => resolve())), what);

  async function pong(r: RawClient): Promise<void> {
    const from = r.frames.length;
    r.send({ event: 'pusher:ping', data: {} });
    await r.next((f) => f.event === 'pusher:pong', 'pusher:pong', 5000, from);
  }

  it('advertises the configured activity_timeout in connection_established', async () => {
    const r = await connect(true);
    assert.equal((JSON.parse(r.frames[0].data as string) as { activity_timeout: number }).activity_timeout, ACTIVITY_TIMEOUT_MS / 1000);
  });

  it('pings a socket silent for activity_timeout, keeps the one that answers, and closes the silent one with 4201', async () => {
    const answering = await connect(true);
    const silent = await connect(false);
    const barrier = await connect(true);
    const [answeringPinged, silentPinged] = [pinged(answering, 'a ping to the answering socket'), pinged(silent, 'a ping to the silent socket')];

    clock.advance(ACTIVITY_TIMEOUT_MS);
    await Promise.all([answeringPinged, silentPinged]);
    // ws wrote the answering socket's pong before reporting the ping. A round trip on another
    // socket, started afterwards, comes back only once the server has read that pong — without
    // the answering socket sending anything else that would count as activity.
    await pong(barrier);

    clock.advance(PONG_TIMEOUT_MS);
    const closed = await within(silent.closed, 'the silent socket to be closed');
    assert.equal(closed.code, 4201);
    const error = silent.frames.find((f) => f.event === 'pusher:error');
    assert.deepEqual(error?.data, { code: 4201, message: 'Pong reply not received' });

    // Checked after the silent socket was closed by the same sweep: the answering one is still served.
    assert.equal(answering.socket.readyState, answering.socket.OPEN);
    await pong(answering);
    assert.equal(answering.frames.filter((f) => f.event === 'pusher:error').length, 0);
  });

  it('counts any frame as activity: a socket that talks is not pinged', async () => {
    const chatty = await connect(false);
    const idle = await connect(false);
    const chattyPings: number[] = [];
    chatty.socket.on('ping', () => chattyPings.push(Date.now()));
    const idlePinged = pinged(idle, 'a ping to the idle socket');

    clock.advance(ACTIVITY_TIMEOUT_MS - 500);
    await pong(chatty);
    clock.advance(500);
    // The idle socket's ping is the marker: the sweep that pinged it has looked at the chatty one too.
    await idlePinged;
    await pong(chatty);
    assert.deepEqual(chattyPings, [], 'the socket active 0.5 s ago was not pinged');
  });
});
