import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppRegistry } from '../../core/src/apps/app-registry';
import { LocalBus } from '../../core/src/bus/local-bus';
import type { WebhookEventMessage } from '../../core/src/codec/messages';
import { appSchema } from '../../core/src/config/app-schema';
import { createLogger } from '../../core/src/logging/logger';
import { ManualClock } from '../../core/src/manual-clock';
import { SubscriptionCounts } from './subscription-counts';

const INTERVAL_MS = 1000;
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

function replica(clock: ManualClock) {
  const app = appSchema.parse({
    id: 'app-1',
    key: 'key-1',
    secret: 'secret-1',
    subscriptionCountEvents: true,
    webhooks: [{ url: 'http://127.0.0.1:9/hook', events: ['subscription_count'] }],
  });
  const emitted: WebhookEventMessage[] = [];
  const counts = new SubscriptionCounts(
    new LocalBus(),
    { emit: (event) => emitted.push(event) },
    new AppRegistry([app]),
    clock,
    createLogger({ level: 'silent', name: 'test' }),
    INTERVAL_MS,
  );
  return { counts, emitted };
}

describe('SubscriptionCounts', () => {
  it('gives the same state the same id on two replicas whose clocks and timers differ', async () => {
    // Replica b runs 990 ms behind a: with time-bucketed ids they would fall either side of a second.
    const [clockA, clockB] = [new ManualClock(1_700_000_000_995), new ManualClock(1_700_000_000_005)];
    const a = replica(clockA);
    const b = replica(clockB);
    for (const count of [1, 2, 3]) {
      a.counts.changed('app-1', 'room', count);
      b.counts.changed('app-1', 'room', count);
    }
    await nextTurn();
    // a hears the next change after its interval is over, b within its interval: a sends at once, b when its timer ends.
    clockA.advance(INTERVAL_MS * 3);
    a.counts.changed('app-1', 'room', 2);
    clockB.advance(INTERVAL_MS / 2);
    b.counts.changed('app-1', 'room', 2);
    await nextTurn();
    assert.equal(b.emitted.length, 1, 'b holds the change until its interval is over');
    clockB.advance(INTERVAL_MS / 2);
    a.counts.stop();
    b.counts.stop();

    const ids = (r: typeof a) => r.emitted.map((e) => `${e.subscriptionCount} ${e.id}`);
    assert.deepEqual(ids(a), ids(b));
    assert.deepEqual(
      a.emitted.map((e) => e.subscriptionCount),
      [3, 2],
    );
    assert.notEqual(a.emitted[0].id, a.emitted[1].id);
  });
});
