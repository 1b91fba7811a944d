import assert from 'node:assert/strict';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import pino from 'pino';
import type { Bus, BusHandler, BusSubscription, SubscribeOptions } from '../../core/src/bus/bus';
import { BusClosedError } from '../../core/src/bus/bus';
import { LocalBus } from '../../core/src/bus/local-bus';
import { ManualClock } from '../../core/src/manual-clock';
import { ChannelRegistry } from './channel-registry';
import type { Connection } from './connection';
import { PresenceLink } from './presence-link';
import { FakePresenceService } from './testing/fake-presence-service';

/** A LocalBus that writes down, in order, what the registry asks of it. */
class RecordingBus implements Bus {
  readonly messagingSystem = 'herald_local';
  readonly inner = new LocalBus();
  readonly log: string[];
  /** Subscribes refused from now on (a closing bus). */
  refuseSubscribes = false;

  constructor(log: string[]) {
    this.log = log;
  }

  publish(subject: string, data: Uint8Array): void {
    this.inner.publish(subject, data);
  }
  subscribe(subject: string, handler: BusHandler, options?: SubscribeOptions): BusSubscription {
    if (this.refuseSubscribes) throw new BusClosedError();
    this.log.push(`subscribe ${subject}`);
    const sub = this.inner.subscribe(subject, handler, options);
    return {
      unsubscribe: () => {
        this.log.push(`unsubscribe ${subject}`);
        sub.unsubscribe();
      },
    };
  }
  request(subject: string, data: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    return this.inner.request(subject, data, timeoutMs);
  }
  flush(): Promise<void> {
    this.log.push('flush');
    return this.inner.flush();
  }
  isConnected(): boolean {
    return this.inner.isConnected();
  }
  onStatus(): () => void {
    return () => {};
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

describe('ChannelRegistry', () => {
  let log: string[];
  let bus: RecordingBus;
  let registry: ChannelRegistry;
  const socket = (id: string) => ({ socketId: id }) as Connection;

  beforeEach(() => {
    log = [];
    bus = new RecordingBus(log);
    registry = new ChannelRegistry({
      bus,
      logger: pino({ level: 'silent' }),
      interestTimeoutMs: 1000,
      onMessage: () => undefined,
      onCountChange: (_appId, channel, count) => log.push(`count ${channel} ${count}`),
      beforeInterestRoundTrip: () => log.push('before round trip'),
    });
  });
  afterEach(() => bus.close());

  it('reports a new channel, and lets it be sent, before the round trip that confirms its interest', async () => {
    const local = await registry.reserve('app-1', 'news');
    assert.deepEqual(log, ['subscribe herald.ch.app-1.news', 'count news 1', 'before round trip', 'flush']);
    registry.attach(local, socket('1.1'));
    assert.deepEqual(log.slice(4), [], 'the subscription already counted: attaching reports nothing new');
  });

  it('counts subscriptions still being set up as one, however many, so churn does not inflate the count', async () => {
    const reservations = await Promise.all([registry.reserve('app-1', 'news'), registry.reserve('app-1', 'news'), registry.reserve('app-1', 'news')]);
    for (const local of reservations) registry.release(local);
    assert.deepEqual(
      log.filter((l) => l.startsWith('count')),
      ['count news 1', 'count news 0'],
    );
    assert.equal(log.at(-1), 'unsubscribe herald.ch.app-1.news');
    assert.equal(registry.get('app-1', 'news'), undefined);
  });

  it('reports the subscribers once attached, and 0 when the last one leaves', async () => {
    const [a, b] = [socket('1.1'), socket('2.2')];
    registry.attach(await registry.reserve('app-1', 'news'), a);
    registry.attach(await registry.reserve('app-1', 'news'), b);
    registry.detach('app-1', 'news', a);
    registry.detach('app-1', 'news', b);
    assert.deepEqual(
      log.filter((l) => l.startsWith('count')),
      ['count news 1', 'count news 2', 'count news 1', 'count news 0'],
    );
  });

  it('keeps nothing of a channel whose bus subscription was refused, so the next subscriber subscribes again', async () => {
    bus.refuseSubscribes = true;
    await assert.rejects(registry.reserve('app-1', 'news'), BusClosedError);
    assert.equal(registry.get('app-1', 'news'), undefined, 'no channel left that would confirm subscribers it cannot serve');
    bus.refuseSubscribes = false;
    const local = await registry.reserve('app-1', 'news');
    assert.ok(local.busSubscription, 'the next reservation has a bus subscription');
    assert.deepEqual(
      log.filter((l) => l.startsWith('subscribe')),
      ['subscribe herald.ch.app-1.news'],
    );
  });
});

describe('ChannelRegistry wired to the presence link as the gateway wires it', () => {
  const bus = new LocalBus();
  const presenceService = new FakePresenceService(bus);
  const logger = pino({ level: 'silent' });
  const presence = new PresenceLink({ bus, gatewayId: 'gw-1', logger, clock: new ManualClock(), leaseIntervalMs: 5000, leaseTtlMs: 15_000, requestTimeoutMs: 1000 });
  const registry = new ChannelRegistry({
    bus,
    logger,
    interestTimeoutMs: 1000,
    onMessage: () => undefined,
    onCountChange: (appId, channel, count) => presence.reportCount(appId, channel, count),
    beforeInterestRoundTrip: () => presence.sendPending(),
  });
  after(async () => {
    presenceService.stop();
    await bus.close();
  });

  it('publishes a new channel’s count before its interest is confirmed, not at the end of the turn', async () => {
    const reserving = registry.reserve('app-1', 'news');
    // LocalBus delivers a publish in a microtask: presence has the count before the
    // reservation (and so subscription_succeeded) goes on.
    await Promise.resolve();
    assert.deepEqual(
      presenceService.updates.map((u) => u.counts),
      [[{ appId: 'app-1', channel: 'news', count: 1 }]],
    );
    registry.release(await reserving);
  });
});
