import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { systemClock } from '../clock';
import { ManualClock } from '../manual-clock';
import { MemoryWebhookQueue } from './memory-webhook-queue';
import type { QueuedWebhook } from './webhook-queue';
import { webhookQueueContract } from './webhook-queue-contract';

webhookQueueContract('MemoryWebhookQueue', async () => {
  const errors: string[] = [];
  const queue = new MemoryWebhookQueue(systemClock, (err) => errors.push((err as Error).message));
  return { queue, peer: queue, reportedHandlerErrors: () => errors, cleanup: () => queue.close() };
});

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
});
