/**
 * The contract every WebhookQueue implementation passes: the rules written in
 * webhook-queue.ts, run by memory-webhook-queue.test.ts and jetstream-webhook-queue.integration.test.ts.
 * `queue` and `peer` share one backing: two processes (two NATS connections) for JetStream,
 * one instance in memory. Cases about several processes or an ack wait are skipped where the
 * implementation has neither (in memory the queue dies with its only consumer).
 *
 * "Not handed out again" is proven without sleeping where order allows it: an item a broken
 * queue would hand out again would come before a later marker that does arrive.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { WebhookEventMessage } from '../codec/messages';
import { type QueuedWebhook, queuedEvent, type WebhookQueue } from './webhook-queue';

export interface WebhookQueuePair {
  readonly queue: WebhookQueue;
  /** Another process on the same queue; the same instance as `queue` for an in-process queue. */
  readonly peer: WebhookQueue;
  /** How long an unsettled item stays away before it is handed out again; undefined: never (memory). */
  readonly ackWaitMs?: number;
  /** The errors of throwing handlers, as the queues reported them. */
  reportedHandlerErrors(): string[];
  cleanup(): Promise<void>;
}

const WAIT_MS = 5000;
/** Clocks of the test and of a queue's server may round differently. */
const CLOCK_SLACK_MS = 1000;

function within<T>(promise: Promise<T>, what: string, timeoutMs = WAIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
    }),
  ]);
}

/** A handler that records items, settles them as told, and lets a test wait for a number of them. */
class Consumer {
  readonly items: QueuedWebhook[] = [];
  private unsettled = 0;
  maxUnsettled = 0;
  private waiters: Array<{ count: number; resolve: () => void }> = [];

  /** `settle`: what to do with each item on arrival ('none': the test settles it through `settled`). */
  constructor(private readonly settle: 'ack' | 'none' | ((item: QueuedWebhook) => void) = 'none') {}

  readonly handler = (item: QueuedWebhook): void => {
    this.items.push(item);
    this.unsettled += 1;
    this.maxUnsettled = Math.max(this.maxUnsettled, this.unsettled);
    this.waiters = this.waiters.filter((w) => {
      if (this.items.length < w.count) return true;
      w.resolve();
      return false;
    });
    if (this.settle === 'ack') this.settled(item).ack();
    else if (typeof this.settle === 'function') this.settle(item);
  };

  /** The item, counted as settled: call ack, retry or deadLetter on what this returns. */
  settled(item: QueuedWebhook): QueuedWebhook {
    this.unsettled -= 1;
    return item;
  }

  ids(): string[] {
    return this.items.map((i) => i.event.id);
  }

  /** Resolves once `count` items in total have arrived. */
  received(count: number, what = `${count} items`, timeoutMs = WAIT_MS): Promise<void> {
    if (this.items.length >= count) return Promise.resolve();
    return within(new Promise<void>((resolve) => this.waiters.push({ count, resolve })), what, timeoutMs);
  }

  /** Resolves once `done` holds, checked as items arrive. */
  async until(done: () => boolean, what: string): Promise<void> {
    while (!done()) await this.received(this.items.length + 1, what);
  }
}

export function webhookQueueContract(name: string, makeQueues: () => Promise<WebhookQueuePair>): void {
  describe(`WebhookQueue contract: ${name}`, () => {
    let pair: WebhookQueuePair;
    let queue: WebhookQueue;
    let peer: WebhookQueue;
    /** Fresh per test: app ids and event ids nothing earlier used. */
    let prefix: string;
    let serial = 0;

    beforeEach(async () => {
      pair = await makeQueues();
      ({ queue, peer } = pair);
      prefix = randomUUID().slice(0, 8);
    });
    afterEach(() => pair.cleanup());

    const app = (name: string) => `${prefix}-${name}`;
    function event(appName = 'a', extra: Partial<WebhookEventMessage> = {}): WebhookEventMessage & { id: string } {
      serial += 1;
      return { appId: app(appName), name: 'channel_occupied', channel: `presence-room-${serial}`, timeMs: 1_700_000_000_000 + serial, ...extra, id: `${prefix}-${serial}` };
    }

    it('hands an emitted event out once with every field, attempt 1 and the time it was queued', async () => {
      const consumer = new Consumer('ack');
      await queue.consume(consumer.handler, 10);
      const full = event('a', { name: 'client_event', userId: 'user-1', event: 'client-typing', data: '{"text":"héllo"}', socketId: '123.456', subscriptionCount: 3 });
      const sparse: WebhookEventMessage = { id: `${prefix}-sparse`, appId: app('a'), name: 'cache_miss', channel: 'cache-x' };
      const before = Date.now();
      queue.emit(full);
      queue.emit(sparse);
      await consumer.received(2);
      const after = Date.now();
      assert.deepEqual(
        consumer.items.map((i) => queuedEvent(i.event)),
        [queuedEvent(full), queuedEvent(sparse)],
        'fields left out read as empty and 0',
      );
      for (const item of consumer.items) {
        assert.equal(item.attempt, 1);
        assert.ok(item.queuedAtMs >= before - CLOCK_SLACK_MS && item.queuedAtMs <= after + CLOCK_SLACK_MS, `queuedAtMs ${item.queuedAtMs} not within [${before}, ${after}]`);
      }
    });

    it('keeps the order of emitted events, those emitted before anyone consumed included', async () => {
      const emitted = Array.from({ length: 30 }, () => event());
      for (const e of emitted.slice(0, 10)) queue.emit(e);
      const consumer = new Consumer('ack');
      await queue.consume(consumer.handler, 50);
      for (const e of emitted.slice(10)) queue.emit(e);
      await consumer.received(30);
      assert.deepEqual(
        consumer.ids(),
        emitted.map((e) => e.id),
      );
    });

    it('hands out at most maxInFlight unsettled items; settling one lets the next through', async () => {
      const emitted = Array.from({ length: 6 }, () => event());
      for (const e of emitted) queue.emit(e);
      const consumer = new Consumer();
      await queue.consume(consumer.handler, 2);
      await consumer.received(2, 'the first two');
      for (let settled = 0; settled < 4; settled++) {
        consumer.settled(consumer.items[settled]).ack();
        await consumer.received(settled + 3, `item ${settled + 3} after an ack`);
      }
      for (const item of consumer.items.slice(4)) consumer.settled(item).ack();
      assert.equal(consumer.maxUnsettled, 2, 'never more than two unsettled at once');
      assert.deepEqual(
        consumer.ids(),
        emitted.map((e) => e.id),
      );
    });

    it('drops an event whose id was emitted moments ago, also by another process', async () => {
      const consumer = new Consumer('ack');
      await queue.consume(consumer.handler, 10);
      const first = event();
      const [markerHere, markerThere] = [event(), event()];
      queue.emit(first);
      peer.emit({ ...first });
      queue.emit({ ...first });
      // Each producer's marker follows its copies: a copy kept would arrive before the marker.
      queue.emit(markerHere);
      peer.emit(markerThere);
      await consumer.until(() => [markerHere, markerThere].every((m) => consumer.ids().includes(m.id)), 'both markers');
      assert.deepEqual(
        consumer.ids().filter((id) => id === first.id),
        [first.id],
        'one copy',
      );
      assert.equal(consumer.items.length, 3);
    });

    it('drops copies however many ids it remembers (past the 10,000 the memory queue once scanned per event)', async () => {
      const consumer = new Consumer('ack');
      await queue.consume(consumer.handler, 500);
      const emitted = Array.from({ length: 10_500 }, () => event());
      for (const e of emitted) queue.emit(e);
      // Copies of the first, a middle and the last id from both processes, each followed by its marker.
      for (const e of [emitted[0], emitted[5000], emitted[10_499]]) {
        queue.emit({ ...e });
        peer.emit({ ...e });
      }
      const [markerHere, markerThere] = [event(), event()];
      queue.emit(markerHere);
      peer.emit(markerThere);
      await consumer.until(() => [markerHere, markerThere].every((m) => consumer.ids().includes(m.id)), 'both markers');
      // First deliveries only: with a short ack wait on a busy machine JetStream may redeliver some (attempt 2), which is not a copy.
      const firsts = consumer.items.filter((i) => i.attempt === 1).map((i) => i.event.id);
      assert.equal(firsts.length, 10_502, 'every id once, no copy');
      assert.equal(new Set(firsts).size, 10_502);
    });

    it('retry(delay) hands the item out again after the delay, with attempt 2 and its original queue time, without holding up others', async () => {
      const consumer = new Consumer();
      // Room for both: a retried item waiting for its delay may hold its maxInFlight slot.
      await queue.consume(consumer.handler, 2);
      const retried = event();
      const other = event();
      queue.emit(retried);
      queue.emit(other);
      await consumer.received(1);
      const retriedAt = Date.now();
      consumer.settled(consumer.items[0]).retry(300);
      await consumer.received(2, 'the next event while the first waits');
      assert.equal(consumer.items[1].event.id, other.id);
      consumer.settled(consumer.items[1]).ack();
      await consumer.received(3, 'the retried event');
      const again = consumer.items[2];
      consumer.settled(again).ack();
      assert.ok(Date.now() - retriedAt >= 250, `handed out again after ${Date.now() - retriedAt} ms, before the 300 ms delay`);
      assert.deepEqual(queuedEvent(again.event), queuedEvent(retried));
      assert.equal(again.attempt, 2);
      assert.equal(again.queuedAtMs, consumer.items[0].queuedAtMs, 'retry windows count from the first queueing');
    });

    it('hands an item out again when the handler throws, and reports the error', async () => {
      let throws = true;
      const consumer = new Consumer((item) => {
        if (throws) {
          throws = false;
          throw new Error(`handler broke on ${item.event.id}`);
        }
        consumer.settled(item).ack();
      });
      await queue.consume(consumer.handler, 10);
      const failing = event();
      queue.emit(failing);
      await consumer.received(2, 'the event again after the handler threw', WAIT_MS + 2000);
      assert.deepEqual(consumer.ids(), [failing.id, failing.id]);
      assert.equal(consumer.items[1].attempt, 2);
      assert.ok(
        pair.reportedHandlerErrors().some((message) => message.includes(`handler broke on ${failing.id}`)),
        String(pair.reportedHandlerErrors()),
      );
    });

    it('keeps dead letters per app, oldest first, with reason and time; replay queues them again once and empties the list', async () => {
      const consumer = new Consumer();
      await queue.consume(consumer.handler, 10);
      const [x1, x2, y1] = [event('x'), event('x'), event('y')];
      for (const e of [x1, x2, y1]) queue.emit(e);
      await consumer.received(3);
      const deadFrom = Date.now();
      for (const [i, item] of consumer.items.entries()) await consumer.settled(item).deadLetter(`receiver said no (${i})`);
      const deadUntil = Date.now();

      const letters = await peer.deadLetters(app('x'));
      assert.deepEqual(
        letters.map((l) => queuedEvent(l.event)),
        [queuedEvent(x1), queuedEvent(x2)],
      );
      assert.deepEqual(
        letters.map((l) => l.reason),
        ['receiver said no (0)', 'receiver said no (1)'],
      );
      for (const letter of letters) assert.ok(letter.deadAtMs >= deadFrom - CLOCK_SLACK_MS && letter.deadAtMs <= deadUntil + CLOCK_SLACK_MS, `deadAtMs ${letter.deadAtMs}`);
      assert.deepEqual(
        (await peer.deadLetters(app('y'))).map((l) => l.event.id),
        [y1.id],
      );
      assert.deepEqual(await peer.deadLetters(app('none')), []);

      const replayedFrom = Date.now();
      assert.equal(await peer.replayDeadLetters(app('x')), 2);
      await consumer.received(5, 'the replayed events');
      const replayed = consumer.items.slice(3);
      assert.deepEqual(
        replayed.map((i) => i.event.id),
        [x1.id, x2.id],
      );
      for (const item of replayed) {
        assert.equal(item.attempt, 1, 'a replayed event starts over');
        assert.ok(item.queuedAtMs >= replayedFrom - CLOCK_SLACK_MS, 'and its retry window starts at the replay');
      }
      assert.deepEqual(await peer.deadLetters(app('x')), []);
      assert.equal((await peer.deadLetters(app('y'))).length, 1, "another app's dead letters stay");
      assert.equal(await peer.replayDeadLetters(app('none')), 0);

      // Dead again and replayed again: the id seen before does not make the queue drop it.
      await consumer.settled(replayed[0]).deadLetter('still failing');
      consumer.settled(replayed[1]).ack();
      assert.deepEqual(
        (await peer.deadLetters(app('x'))).map((l) => [l.event.id, l.reason]),
        [[x1.id, 'still failing']],
      );
      assert.equal(await peer.replayDeadLetters(app('x')), 1);
      await consumer.received(6, 'the event replayed a second time');
      consumer.settled(consumer.items[5]).ack();
      assert.deepEqual(consumer.ids(), [x1.id, x2.id, y1.id, x1.id, x2.id, x1.id]);
    });

    it('does not hand an acked item out again, and hands out an unsettled one again after the ack wait', async (t) => {
      if (pair.ackWaitMs === undefined) {
        t.skip('no ack wait: an unsettled item stays with its consumer');
        return;
      }
      const consumer = new Consumer();
      await queue.consume(consumer.handler, 10);
      const acked = event();
      const unsettled = event();
      queue.emit(acked);
      await consumer.received(1);
      consumer.settled(consumer.items[0]).ack();
      // Handed out after the ack, so its ack wait ends later than the acked item's would.
      queue.emit(unsettled);
      await consumer.received(2);
      await consumer.received(3, 'the unsettled item again', pair.ackWaitMs + WAIT_MS);
      consumer.settled(consumer.items[2]).ack();
      assert.deepEqual(consumer.ids(), [acked.id, unsettled.id, unsettled.id]);
      assert.equal(consumer.items[2].attempt, 2);
    });

    it('shares the queue between consumers of several processes: each event to one of them, every one used', async (t) => {
      if (queue === peer) {
        t.skip('one instance: one consumer');
        return;
      }
      // Acked a moment later, so that the other consumer gets its turn.
      const later = (consumer: () => Consumer) => (item: QueuedWebhook) => void setTimeout(() => consumer().settled(item).ack(), 5);
      const first: Consumer = new Consumer(later(() => first));
      const second: Consumer = new Consumer(later(() => second));
      await queue.consume(first.handler, 1);
      await peer.consume(second.handler, 1);
      const emitted = Array.from({ length: 20 }, () => event());
      for (const e of emitted) queue.emit(e);
      await within(
        (async () => {
          while (first.items.length + second.items.length < 20) await new Promise((resolve) => setTimeout(resolve, 10));
        })(),
        'all 20 events at one consumer or the other',
      );
      assert.deepEqual([...first.ids(), ...second.ids()].sort(), emitted.map((e) => e.id).sort(), 'each event exactly once');
      assert.ok(first.items.length > 0 && second.items.length > 0, `split ${first.items.length}/${second.items.length}`);
    });

    it('hands an item its consumer left unsettled to another process after the ack wait', async (t) => {
      if (queue === peer || pair.ackWaitMs === undefined) {
        t.skip('one instance: the queue dies with its consumer');
        return;
      }
      const dying = new Consumer();
      await queue.consume(dying.handler, 10);
      const orphan = event();
      queue.emit(orphan);
      await dying.received(1);
      await queue.close();
      const survivor = new Consumer('ack');
      await peer.consume(survivor.handler, 10);
      await survivor.received(1, 'the orphaned item at the other process', pair.ackWaitMs + WAIT_MS);
      assert.equal(survivor.items[0].event.id, orphan.id);
      assert.equal(survivor.items[0].attempt, 2);
      assert.equal(dying.items.length, 1);
    });

    it("hands nothing more to a closed queue's consumer; closing twice is harmless", async () => {
      const consumer = new Consumer();
      await queue.consume(consumer.handler, 10);
      const retried = event();
      queue.emit(retried);
      await consumer.received(1);
      consumer.settled(consumer.items[0]).retry(100);
      await queue.close();
      await queue.close();
      if (queue !== peer) {
        // Another process gets the item when it is due: by then the closed one would have too.
        const other = new Consumer('ack');
        await peer.consume(other.handler, 10);
        await other.received(1, 'the retried item at the other process');
        assert.equal(other.items[0].event.id, retried.id);
      } else {
        queue.emit(event());
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
      assert.equal(consumer.items.length, 1, 'nothing after close()');
    });
  });
}
