/**
 * WebhookQueue in process memory, for embedded mode (lost with the process, like everything
 * embedded). It holds at most `maxBytes` of events (ready, being delivered or waiting for a
 * retry); past that the oldest it holds that is not being delivered moves to the dead
 * letters, counted and logged once per app per interval. Oldest rather than newest: the
 * oldest has used up most of its retry window (Pusher drops a webhook after 5 minutes of
 * retries) and describes the state longest ago, while the newest is what a receiver coming
 * back needs first; either way the event is kept, listed and replayable, not lost.
 */
import { Counter, Gauge, type Registry, type RegistryContentType } from 'prom-client';
import { Node, Yallist } from 'yallist';
import type { Clock, ClockTimer } from '../clock';
import type { WebhookEventMessage } from '../codec/messages';
import { LogSummary } from '../logging/log-summary';
import type { Logger } from '../logging/logger';
import { MemoryDeadLetters } from './memory-dead-letters';
import { RecentIds } from './recent-ids';
import { approximateEventBytes } from './webhook-event-size';
import { type DeadLetter, DUPLICATE_WINDOW_MS, type QueuedEvent, type QueuedWebhook, queuedEvent, type WebhookQueue } from './webhook-queue';

/** A handler that throws gets the item again this much later, as from JetStreamWebhookQueue. */
const HANDLER_FAILURE_RETRY_MS = 1000;
/** One line per app per this long about events moved or discarded because memory was full. */
const OVERFLOW_LOG_INTERVAL_MS = 10_000;

/** Hears about consumer handlers that throw (the item is handed out again). */
export type WebhookHandlerErrorReporter = (err: unknown) => void;

const reportToStderr: WebhookHandlerErrorReporter = (err) => {
  process.stderr.write(`webhook handler threw; the event will be redelivered: ${(err as Error)?.stack ?? String(err)}\n`);
};

export interface MemoryWebhookQueueLimits {
  /** Events held (ready, being delivered, waiting for a retry), in approximate bytes. */
  readonly maxBytes: number;
  /** Dead letters kept, in approximate bytes; past it the oldest are discarded. */
  readonly maxDeadLetterBytes: number;
  /** Where the summarised overflow lines go. */
  readonly logger?: Logger;
}

export const DEFAULT_MEMORY_WEBHOOK_QUEUE_LIMITS: MemoryWebhookQueueLimits = {
  // ~140,000 lifecycle events: a 5-minute outage at ~450 webhooks/s.
  maxBytes: 128 * 1024 * 1024,
  // ~35,000 lifecycle events.
  maxDeadLetterBytes: 32 * 1024 * 1024,
};

type PendingState = 'ready' | 'delivering' | 'waiting';

class Pending {
  /** In `held`, oldest first, from emit until ack, dead letter or eviction. */
  readonly inHeld = new Node<Pending>(this);
  /** In `ready` while due and not handed out. */
  readonly inReady = new Node<Pending>(this);
  readonly bytes: number;
  attempt = 0;
  state: PendingState = 'ready';
  retryTimer: ClockTimer | undefined;

  constructor(
    readonly event: QueuedEvent,
    readonly queuedAtMs: number,
  ) {
    this.bytes = approximateEventBytes(event);
  }
}

export class MemoryWebhookQueue implements WebhookQueue {
  private readonly held = new Yallist<Pending>();
  private readonly ready = new Yallist<Pending>();
  private heldBytes = 0;
  private readonly recentIds = new RecentIds(DUPLICATE_WINDOW_MS);
  private readonly dead: MemoryDeadLetters;
  private readonly overflowLog: LogSummary<{ appId: string; reason: string }>;
  // Created unregistered: a node registers them with its registry (registerMetrics).
  private readonly metrics = {
    events: new Gauge({
      name: 'herald_webhooks_queue_events',
      help: 'Webhook events held by the in-memory queue (ready, being delivered, waiting to retry)',
      registers: [],
      collect: (): void => this.metrics.events.set(this.held.length),
    }),
    bytes: new Gauge({
      name: 'herald_webhooks_queue_bytes',
      help: 'Approximate bytes of the webhook events held by the in-memory queue',
      registers: [],
      collect: (): void => this.metrics.bytes.set(this.heldBytes),
    }),
    overflowed: new Counter({
      name: 'herald_webhooks_queue_full_dead_lettered_total',
      help: 'Webhook events moved to the dead letters because the in-memory queue was full',
      registers: [],
    }),
    discarded: new Counter({
      name: 'herald_webhooks_dead_letters_discarded_total',
      help: 'Dead letters discarded, oldest first, because the in-memory dead letters were full',
      registers: [],
    }),
  };
  private handler: ((item: QueuedWebhook) => void) | undefined;
  private maxInFlight = 1;
  private inFlight = 0;
  private closed = false;

  constructor(
    private readonly clock: Clock,
    private readonly onHandlerError: WebhookHandlerErrorReporter = reportToStderr,
    private readonly limits: MemoryWebhookQueueLimits = DEFAULT_MEMORY_WEBHOOK_QUEUE_LIMITS,
  ) {
    this.overflowLog = new LogSummary(clock, OVERFLOW_LOG_INTERVAL_MS, ({ count, last }) =>
      limits.logger?.warn({ appId: last.appId, events: count }, `${count} webhook event(s) ${last.reason}`),
    );
    this.dead = new MemoryDeadLetters(limits.maxDeadLetterBytes, (letter) => {
      this.metrics.discarded.inc();
      this.overflowLog.record(`discarded:${letter.event.appId}`, {
        appId: letter.event.appId,
        reason: `discarded from the dead letters: they are full (${limits.maxDeadLetterBytes} bytes, HERALD_WEBHOOK_DEAD_LETTERS_MAX_BYTES)`,
      });
    });
  }

  /** The queue's size and what it moved or discarded when full, on the node's `/metrics`. */
  registerMetrics(registry: Registry<RegistryContentType>): void {
    for (const metric of Object.values(this.metrics)) registry.registerMetric(metric);
  }

  emit(event: WebhookEventMessage): void {
    if (this.closed) return;
    const now = this.clock.now();
    if (this.recentIds.seen(event.id ?? '', now)) return;
    this.admit(new Pending(queuedEvent(event), now));
    this.pump();
  }

  async consume(handler: (item: QueuedWebhook) => void, maxInFlight: number): Promise<void> {
    this.handler = handler;
    this.maxInFlight = Math.max(1, maxInFlight);
    this.pump();
  }

  async deadLetters(appId: string): Promise<DeadLetter[]> {
    return this.dead.list(appId);
  }

  async replayDeadLetters(appId: string): Promise<number> {
    const letters = this.dead.take(appId);
    const now = this.clock.now();
    for (const letter of letters) this.admit(new Pending(letter.event, now));
    this.pump();
    return letters.length;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const pending of this.held) this.clock.clearTimeout(pending.retryTimer);
    this.overflowLog.close();
  }

  private admit(pending: Pending): void {
    this.held.pushNode(pending.inHeld);
    this.ready.pushNode(pending.inReady);
    this.heldBytes += pending.bytes;
    while (this.heldBytes > this.limits.maxBytes) {
      const oldest = this.oldestNotDelivering();
      if (!oldest) break;
      this.release(oldest);
      this.metrics.overflowed.inc();
      const reason = `moved to the dead letters: the webhook queue is full (${this.limits.maxBytes} bytes, HERALD_WEBHOOK_QUEUE_MAX_BYTES)`;
      this.overflowLog.record(`overflowed:${oldest.event.appId}`, { appId: oldest.event.appId, reason });
      this.dead.add({ event: oldest.event, reason: 'the webhook queue was full', deadAtMs: this.clock.now() });
    }
  }

  /** Skips at most the items being delivered (`maxInFlight`), which the consumer owns. */
  private oldestNotDelivering(): Pending | undefined {
    for (let node = this.held.head; node; node = node.next) if (node.value.state !== 'delivering') return node.value;
    return undefined;
  }

  /** Takes the item out of the queue for good. */
  private release(pending: Pending): void {
    this.held.removeNode(pending.inHeld);
    if (pending.state === 'ready') this.ready.removeNode(pending.inReady);
    this.clock.clearTimeout(pending.retryTimer);
    this.heldBytes -= pending.bytes;
  }

  private pump(): void {
    for (;;) {
      const { handler } = this;
      if (!handler || this.closed || this.inFlight >= this.maxInFlight) return;
      // removeNode, not shift(): yallist's shift() leaves the node's `next` set, and this node
      // is pushed again on a retry, where a stale `next` would splice old items back in.
      const first = this.ready.head;
      if (!first) return;
      this.ready.removeNode(first);
      const pending = first.value;
      pending.state = 'delivering';
      pending.attempt += 1;
      this.inFlight += 1;
      const item = this.item(pending);
      try {
        handler(item);
      } catch (err) {
        // A consumer's bug must neither lose the event nor throw into the producer's emit().
        this.onHandlerError(err);
        try {
          item.retry(HANDLER_FAILURE_RETRY_MS);
        } catch {
          // The handler had settled the item before it threw: nothing to hand out again.
        }
      }
    }
  }

  private item(pending: Pending): QueuedWebhook {
    let settled = false;
    const settle = () => {
      if (settled) throw new Error(`webhook ${pending.event.id} settled twice`);
      settled = true;
      this.inFlight -= 1;
      queueMicrotask(() => this.pump());
    };
    return {
      event: pending.event,
      queuedAtMs: pending.queuedAtMs,
      attempt: pending.attempt,
      ack: () => {
        settle();
        this.release(pending);
      },
      retry: (delayMs) => {
        settle();
        pending.state = 'waiting';
        pending.retryTimer = this.clock.setTimeout(() => {
          pending.retryTimer = undefined;
          pending.state = 'ready';
          this.ready.pushNode(pending.inReady);
          this.pump();
        }, delayMs);
      },
      deadLetter: async (reason) => {
        settle();
        this.release(pending);
        this.dead.add({ event: pending.event, reason, deadAtMs: this.clock.now() });
      },
    };
  }
}
