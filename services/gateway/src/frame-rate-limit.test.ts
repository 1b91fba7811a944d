import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { App } from '../../core/src/apps/app-registry';
import { signUserAuth } from '../../core/src/signing/socket-auth';
import { FrameRateLimit, frameBurstOf, framesPerSecondOf } from './frame-rate-limit';
import { TEST_APP, TestGateway, testApp } from './testing/test-gateway';

/** 5 frames per second, bursts of 10 (the floors, 1 client event per second and 2 × 2 subscriptions, are below them). */
const SMALL: App = testApp({ limits: { framesPerSecond: 5, frameBurst: 10, maxSubscriptionsPerConnection: 2, clientEventsPerSecond: 1 } });
const PING = { event: 'pusher:ping', data: {} };
const RATE_LIMIT_ERROR = '{"event":"pusher:error","data":{"code":4301,"message":"Frame rejected due to rate limit: at most 5 frames per second, bursts of 10; slow down"}}';
const PONG = '{"event":"pusher:pong","data":"{}"}';

describe('FrameRateLimit', () => {
  let gateway: TestGateway;
  beforeEach(() => {
    gateway = new TestGateway();
  });
  afterEach(() => gateway.stop());

  it('handles a burst of frameBurst frames at once, answers the next with 4301 once and drops the rest; the socket stays open', () => {
    const { connection, transport } = gateway.connect(SMALL);
    for (let i = 0; i < 15; i++) gateway.receive(connection, PING);
    assert.deepEqual(transport.texts(), [...Array(10).fill(PONG), RATE_LIMIT_ERROR]);
    assert.deepEqual(gateway.frameRefusals, ['rejected', 'dropped', 'dropped', 'dropped', 'dropped']);
    assert.deepEqual(transport.closes, []);
    assert.equal(connection.closed, false);
  });

  it('refills at framesPerSecond: after a pause the client is served again, and told again when it next runs over', () => {
    const { connection, transport } = gateway.connect(SMALL);
    for (let i = 0; i < 11; i++) gateway.receive(connection, PING);
    // One second refills 5 tokens; the refused frame spent one, so 4 are served.
    gateway.clock.advance(1000);
    for (let i = 0; i < 5; i++) gateway.receive(connection, PING);
    assert.deepEqual(transport.texts(), [...Array(10).fill(PONG), RATE_LIMIT_ERROR, ...Array(4).fill(PONG), RATE_LIMIT_ERROR]);
  });

  it('counts every kind of frame, client events and frames it cannot use included', () => {
    const { connection, transport } = gateway.connect(SMALL);
    gateway.receive(connection, { event: 'pusher:subscribe', data: { channel: 'a' } });
    gateway.receive(connection, { event: 'pusher:unsubscribe', data: { channel: 'a' } });
    gateway.receive(connection, { event: 'pusher:pong', data: {} });
    gateway.receive(connection, { event: 'pusher:signin', data: {} });
    gateway.receive(connection, { event: 'client-x', channel: 'private-a', data: {} });
    gateway.receive(connection, 'not json');
    gateway.receive(connection, { event: 'pusher:nonsense', data: {} });
    for (let i = 0; i < 3; i++) gateway.receive(connection, PING);
    assert.equal(gateway.frameRefusals.length, 0, 'ten frames: the whole burst');
    gateway.receive(connection, { event: 'pusher:subscribe', data: { channel: 'b' } });
    assert.deepEqual(gateway.frameRefusals, ['rejected']);
    assert.equal(connection.subscriptions.has('b'), false, 'the refused subscribe was not handled');
    assert.equal(transport.texts().at(-1), RATE_LIMIT_ERROR);
  });

  it('closes a client that goes on flooding (a whole burst in debt) with 4100 so it backs off', () => {
    const { connection, transport } = gateway.connect(SMALL);
    for (let i = 0; i < 10 + 9; i++) gateway.receive(connection, PING);
    assert.equal(connection.closed, false, 'nine frames in debt: still open');
    gateway.receive(connection, PING);
    assert.equal(connection.closed, true);
    assert.deepEqual(transport.closes, [{ code: 4100, reason: 'Connection closed: the client went on sending frames over its rate limit' }]);
    assert.deepEqual(transport.json().at(-1), {
      event: 'pusher:error',
      data: { code: 4100, message: 'Connection closed: the client went on sending frames over its rate limit' },
    });
    assert.equal(gateway.frameRefusals.at(-1), 'closed');
    assert.equal(gateway.frameRefusals.filter((r) => r === 'rejected').length, 1, 'told 4301 once before');
    const sent = transport.frames.length;
    for (let i = 0; i < 100; i++) gateway.receive(connection, PING);
    assert.equal(transport.frames.length, sent, 'nothing handled once closed');
  });

  it('serves a client in debt only once it slowed down below the rate', () => {
    const { connection, transport } = gateway.connect(SMALL);
    for (let i = 0; i < 15; i++) gateway.receive(connection, PING); // 5 in debt
    // Still sending at twice the rate (every 100 ms): the debt does not shrink, nothing is served.
    for (let i = 0; i < 4; i++) {
      gateway.clock.advance(100);
      gateway.receive(connection, PING);
    }
    assert.equal(transport.texts().filter((t) => t === PONG).length, 10);
    // 7 in debt now (4 more frames, 2 tokens earned): quiet for 1.6 s pays it back and earns one.
    gateway.clock.advance(1600);
    gateway.receive(connection, PING);
    assert.equal(transport.texts().at(-1), PONG);
    assert.equal(connection.closed, false);
  });

  it('refills nothing, and drains nothing, when the clock steps back', () => {
    let now = 1_000_000;
    const limit = new FrameRateLimit(() => undefined);
    const { connection } = gateway.connect(SMALL);
    for (let i = 0; i < 5; i++) assert.equal(limit.admit(connection, now), true);
    now -= 60_000;
    for (let i = 0; i < 5; i++) assert.equal(limit.admit(connection, now), true, 'the 5 tokens left are still there');
    assert.equal(limit.admit(connection, now), false, 'and no more');
    now += 200; // one token at 5/s, counted from when the clock stepped back; the refused frame spent one
    assert.equal(limit.admit(connection, now), false);
    now += 400;
    assert.equal(limit.admit(connection, now), true);
  });

  it('keeps the rate at least clientEventsPerSecond and the burst at least 2 × maxSubscriptionsPerConnection', () => {
    const defaults = testApp().limits;
    assert.equal(framesPerSecondOf(defaults), 100);
    assert.equal(frameBurstOf(defaults), 2000);
    const raised = testApp({ limits: { clientEventsPerSecond: 500, maxSubscriptionsPerConnection: 3000 } }).limits;
    assert.equal(framesPerSecondOf(raised), 500);
    assert.equal(frameBurstOf(raised), 6000);

    // An app allowing 3 subscriptions on a bucket of 1: a reconnect's 3 subscribes still fit.
    const app = testApp({ limits: { framesPerSecond: 1, frameBurst: 1, maxSubscriptionsPerConnection: 3 } });
    const { connection, transport } = gateway.connect(app);
    for (const channel of ['a', 'b', 'c']) gateway.receive(connection, { event: 'pusher:subscribe', data: { channel } });
    gateway.receive(connection, PING);
    assert.deepEqual(gateway.frameRefusals, []);
    assert.equal(transport.texts().at(-1), PONG);
  });

  describe('never limits a well-behaved client (the defaults)', () => {
    it('pusher-js subscribing 100 channels at connect, signing in, then pinging every 120 s for a day', async () => {
      const { connection, transport } = gateway.connect();
      const userData = JSON.stringify({ id: 'alice' });
      gateway.receive(connection, { event: 'pusher:signin', data: { auth: signUserAuth(TEST_APP, connection.socketId, userData), user_data: userData } });
      for (let i = 0; i < 100; i++) gateway.receive(connection, { event: 'pusher:subscribe', data: { channel: `channel-${i}` } });
      await gateway.settle();
      for (let i = 0; i < 24 * 30; i++) {
        gateway.clock.advance(120_000);
        gateway.receive(connection, PING);
      }
      assert.deepEqual(gateway.frameRefusals, []);
      assert.equal(transport.events().filter((e) => e === 'pusher_internal:subscription_succeeded').length, 100);
      assert.ok(transport.events().includes('pusher:signin_success'));
      assert.equal(transport.events().filter((e) => e === 'pusher:pong').length, 24 * 30);
    });

    it('a client reconnecting with the maximum of 1000 subscriptions, then pinging at exactly the rate (100/s) for a minute', () => {
      const { connection, transport } = gateway.connect();
      for (let i = 0; i < 1000; i++) gateway.receive(connection, { event: 'pusher:subscribe', data: { channel: `channel-${i}` } });
      for (let i = 0; i < 60 * 100; i++) {
        gateway.clock.advance(10);
        gateway.receive(connection, PING);
      }
      assert.deepEqual(gateway.frameRefusals, []);
      assert.equal(transport.events().filter((e) => e === 'pusher:pong').length, 6000);
    });
  });
});
