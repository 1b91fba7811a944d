import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { captureLogs } from '../../../../test/helpers/log-capture';
import { systemClock } from '../clock';
import { ManualClock } from '../manual-clock';
import { MemoryWebhookQueue } from './memory-webhook-queue';
import { approximateEventBytes } from './webhook-event-size';
import type { QueuedEvent, QueuedWebhook } from './webhook-queue';
import { webhookQueueContract } from './webhook-queue-contract';

webhookQueueContract('MemoryWebhookQueue', async () => {
  const errors: string[] = [];
  const queue = new MemoryWebhookQueue(systemClock, (err) => errors.push((err as Error).message));
  return { queue, peer: queue, reportedHandlerErrors: () => errors, cleanup: () => queue.close() };
});

function occupied(i: number) {
  return { id: `e-${String(i).padStart(4, '0')}`, appId: 'a', name: 'channel_occupied', channel: `c-${String(i).padStart(4, '0')}` };
}

/** Every event of occupied() costs the same; a queue bounded to `n` of them. */
const EVENT_BYTES = approximateEventBytes({ ...occupied(0), userId: '', event: '', data: '', socketId: '', subscriptionCount: 0, timeMs: 0 } as QueuedEvent);

async function metric(registry: Registry, name: string): Promise<number> {
  const found = registry.getSingleMetric(name);
  assert.ok(found, `${name} registered`);
  return (await found.get()).values[0]?.value ?? 0;
}

function boundedQueue(events: number, deadLetters = 1000) {
  const clock = new ManualClock();
  const logs = captureLogs();
  const queue = new MemoryWebhookQueue(clock, undefined, { maxBytes: events * EVENT_BYTES, maxDeadLetterBytes: deadLetters * (EVENT_BYTES + 100), logger: logs.logger });
  const registry = new Registry();
  queue.registerMetrics(registry);
  return { clock, logs, queue, registry };
}

describe('MemoryWebhookQueue', () => {
  it('forgets an id once the duplicate window has passed on its clock', async () => {
    const clock = new ManualClock();
    const queue = new MemoryWebhookQueue(clock);
    const items: QueuedWebhook[] = [];
    await queue.consume((item) => {
      items.push(item);
      item.ack();
    }, 10);
    const event = { id: 'same', appId: 'a', name: 'channel_occupied', channel: 'c' };
    queue.emit(event);
    clock.advance(119_999);
    queue.emit(event);
    assert.equal(items.length, 1, 'a copy within two minutes is dropped');
    clock.advance(1);
    queue.emit(event);
    assert.equal(items.length, 2, 'after two minutes the id counts as new');
    await queue.close();
  });

  it('holds at most its bound: when full, the oldest event waiting to retry moves to the dead letters, counted and logged once per interval', async () => {
    const { clock, logs, queue, registry } = boundedQueue(10);
    // The receiver is down: every delivery fails and waits a minute to retry.
    await queue.consume((item) => item.retry(60_000), 5);
    for (let i = 0; i < 100; i++) queue.emit(occupied(i));
    assert.equal(await metric(registry, 'herald_webhooks_queue_events'), 10);
    assert.ok((await metric(registry, 'herald_webhooks_queue_bytes')) <= 10 * EVENT_BYTES);
    assert.equal(await metric(registry, 'herald_webhooks_queue_full_dead_lettered_total'), 90);
    const dead = await queue.deadLetters('a');
    assert.deepEqual(
      dead.map((l) => l.event.id),
      Array.from({ length: 90 }, (_, i) => occupied(i).id),
      'the 90 oldest, oldest first',
    );
    assert.ok(dead.every((l) => l.reason === 'the webhook queue was full'));
    const lines = () => logs.matching(/queue is full/);
    assert.equal(lines().length, 1, 'the first overflow is logged at once, the others counted');
    clock.advance(10_000);
    assert.equal(lines().length, 2);
    assert.match(lines()[1].msg, /^89 webhook event\(s\) moved to the dead letters: the webhook queue is full \(\d+ bytes, HERALD_WEBHOOK_QUEUE_MAX_BYTES\)$/);
    assert.equal(lines()[1].appId, 'a');
    clock.advance(60_000);
    assert.equal(lines().length, 2, 'quiet intervals write nothing');

    // The ten held are the newest, and are what comes back when the retry is due.
    const retried: string[] = [];
    await queue.consume((item) => {
      retried.push(item.event.id);
      item.ack();
    }, 5);
    clock.advance(60_000);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(
      retried.sort(),
      Array.from({ length: 10 }, (_, i) => occupied(90 + i).id),
    );
    assert.equal(await metric(registry, 'herald_webhooks_queue_events'), 0);
    assert.equal(await metric(registry, 'herald_webhooks_queue_bytes'), 0);
    await queue.close();
  });

  it('never takes an event its consumer is delivering; the others go in age order', async () => {
    const { queue } = boundedQueue(3);
    const delivering: QueuedWebhook[] = [];
    await queue.consume((item) => delivering.push(item), 2);
    for (let i = 0; i < 8; i++) queue.emit(occupied(i));
    assert.deepEqual(
      delivering.map((i) => i.event.id),
      [occupied(0).id, occupied(1).id],
    );
    assert.deepEqual(
      (await queue.deadLetters('a')).map((l) => l.event.id),
      [2, 3, 4, 5, 6].map((i) => occupied(i).id),
      'all but the two being delivered and the newest',
    );
    for (const item of delivering.splice(0)) item.ack();
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(
      delivering.map((i) => i.event.id),
      [occupied(7).id],
    );
    await queue.close();
  });

  it('keeps dead letters within their own bound, discarding the oldest, counted', async () => {
    const { clock, logs, queue, registry } = boundedQueue(1000, 5);
    let refusing = true;
    const accepted: string[] = [];
    await queue.consume((item) => {
      if (refusing) void item.deadLetter('receiver said no');
      else {
        accepted.push(item.event.id);
        item.ack();
      }
    }, 100);
    for (let i = 0; i < 20; i++) queue.emit(occupied(i));
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(
      (await queue.deadLetters('a')).map((l) => l.event.id),
      [15, 16, 17, 18, 19].map((i) => occupied(i).id),
    );
    assert.equal(await metric(registry, 'herald_webhooks_dead_letters_discarded_total'), 15);
    clock.advance(10_000);
    assert.deepEqual(
      logs.matching(/discarded from the dead letters/).map((l) => l.msg.split(' ')[0]),
      ['1', '14'],
    );
    refusing = false;
    assert.equal(await queue.replayDeadLetters('a'), 5);
    assert.deepEqual(await queue.deadLetters('a'), []);
    assert.deepEqual(
      accepted,
      [15, 16, 17, 18, 19].map((i) => occupied(i).id),
    );
    await queue.close();
  });

  it('drops copies among more ids than it used to scan (10,000) and forgets them after the window', async () => {
    const clock = new ManualClock();
    const queue = new MemoryWebhookQueue(clock);
    const ids: string[] = [];
    await queue.consume((item) => {
      ids.push(item.event.id);
      item.ack();
    }, 100);
    for (let i = 0; i < 30_000; i++) {
      queue.emit({ id: `id-${i}`, appId: 'a', name: 'channel_occupied', channel: 'c' });
      if (i % 1000 === 999) clock.advance(1000);
    }
    queue.emit({ id: 'id-0', appId: 'a', name: 'channel_occupied', channel: 'c' });
    queue.emit({ id: 'id-29999', appId: 'a', name: 'channel_occupied', channel: 'c' });
    assert.equal(ids.length, 30_000, 'both copies dropped');
    clock.advance(120_000 - 29_000);
    queue.emit({ id: 'id-0', appId: 'a', name: 'channel_occupied', channel: 'c' });
    queue.emit({ id: 'id-29999', appId: 'a', name: 'channel_occupied', channel: 'c' });
    assert.deepEqual(ids.slice(30_000), ['id-0'], 'the oldest id is forgotten after two minutes, the newest is not');
    await queue.close();
  });
});

describe('MemoryWebhookQueue under repeated retries', () => {
  it('hands each item out once per retry, however retries interleave', async () => {
    const clock = new ManualClock();
    const errors: unknown[] = [];
    const queue = new MemoryWebhookQueue(clock, (err) => errors.push(err));
    const attempts = new Map<string, number[]>();
    // Emitted before anyone consumes and handed out five at a time, so items wait in line.
    for (let i = 0; i < 200; i++) queue.emit(occupied(i));
    await queue.consume((item) => {
      attempts.set(item.event.id, [...(attempts.get(item.event.id) ?? []), item.attempt]);
      // Different delays per item and attempt, so retried items come back in shuffled order.
      if (item.attempt < 4) item.retry(1 + ((Number(item.event.id.slice(2)) * 7 + item.attempt * 13) % 50));
      else item.ack();
    }, 5);
    for (let step = 0; step < 400; step++) {
      clock.advance(1);
      await new Promise((resolve) => setImmediate(resolve));
    }
    assert.deepEqual(errors, []);
    assert.equal(attempts.size, 200);
    for (const [id, handedOut] of attempts) assert.deepEqual(handedOut, [1, 2, 3, 4], `${id} handed out once per attempt`);
    await queue.close();
  });
});
