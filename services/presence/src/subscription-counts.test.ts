import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppRegistry } from '../../core/src/apps/app-registry';
import { LocalBus } from '../../core/src/bus/local-bus';
import { ManualClock } from '../../core/src/manual-clock';
import { appSchema } from '../../core/src/config/app-schema';
import { createLogger } from '../../core/src/logging/logger';
import type { WebhookEventMessage } from '../../core/src/codec/messages';
import { SubscriptionCounts } from './subscription-counts';

const INTERVAL_MS = 20;

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
    const a = replica(new ManualClock(1_700_000_000_995));
    const b = replica(new ManualClock(1_700_000_000_005));
    for (const count of [1, 2, 3]) {
      a.counts.changed('app-1', 'room', count);
      b.counts.changed('app-1', 'room', count);
    }
    await sleep(INTERVAL_MS * 3);
    a.counts.changed('app-1', 'room', 2);
    await sleep(INTERVAL_MS / 2);
    b.counts.changed('app-1', 'room', 2);
    await sleep(INTERVAL_MS * 3);
    a.counts.stop();
    b.counts.stop();

    const ids = (r: typeof a) => r.emitted.map((e) => `${e.subscriptionCount} ${e.id}`);
    assert.deepEqual(ids(a), ids(b));
    assert.deepEqual(a.emitted.map((e) => e.subscriptionCount), [3, 2]);
    assert.notEqual(a.emitted[0].id, a.emitted[1].id);
  });
});
