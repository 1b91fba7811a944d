/**
 * The durable queue between webhook producers and the webhooks service. Two
 * implementations: MemoryWebhookQueue (embedded) and JetStreamWebhookQueue (cluster: a
 * JetStream work-queue stream, so a webhooks process can die mid-delivery and every event
 * is still delivered at least once after it restarts).
 *
 * Rules (webhook-queue-contract.ts runs them against both):
 * - `emit` drops an event whose id was emitted in the last two minutes (replicas emit twice).
 * - Events are handed out in the order they were emitted, at most `maxInFlight` unsettled
 *   at once, events emitted before `consume` included.
 * - Each consumed item must end in exactly one of `ack`, `retry` or `deadLetter`; an item
 *   left alone (the consumer died) comes back after the queue's ack wait, and an item whose
 *   handler throws comes back a second later (the error is reported).
 * - `retry(delay)` hands the item out again after the delay with the next attempt number and
 *   its first `queuedAtMs`, without holding up the items behind it. While it waits it may
 *   keep its `maxInFlight` slot (JetStream does: a NAKed message stays pending).
 * - Dead letters are kept per app, oldest first, counted, listed and can be replayed into the
 *   queue, where they start over (attempt 1, queued now).
 * - After `close` the queue's consumer gets nothing more.
 * - A queue with a memory bound (MemoryWebhookQueue) moves the oldest event it holds that is
 *   not being delivered to its dead letters when full, and counts it in its metrics.
 */
import type { Registry } from 'prom-client';
import type { Decoded, WebhookEventMessage } from '../codec/messages';
import type { WebhookSink } from './webhook-sink';

export type QueuedEvent = Decoded<WebhookEventMessage>;

/** Every field of an event as a plain object, defaults filled in (decoded messages keep them on their prototype). */
export function queuedEvent(event: WebhookEventMessage): QueuedEvent {
  return {
    id: event.id ?? '',
    appId: event.appId ?? '',
    name: event.name ?? '',
    channel: event.channel ?? '',
    userId: event.userId ?? '',
    event: event.event ?? '',
    data: event.data ?? '',
    socketId: event.socketId ?? '',
    subscriptionCount: event.subscriptionCount ?? 0,
    timeMs: event.timeMs ?? 0,
    traceparent: event.traceparent ?? '',
    tracestate: event.tracestate ?? '',
  };
}

export interface QueuedWebhook {
  readonly event: QueuedEvent;
  /** When the event entered the queue (retry windows count from here). */
  readonly queuedAtMs: number;
  /** 1 on the first delivery attempt. */
  readonly attempt: number;
  ack(): void;
  retry(delayMs: number): void;
  deadLetter(reason: string): Promise<void>;
}

export interface DeadLetter {
  readonly event: QueuedEvent;
  readonly reason: string;
  readonly deadAtMs: number;
}

export interface WebhookQueue extends WebhookSink {
  /** Starts handing queued items to `handler` as they become due, at most `maxInFlight` unsettled at once. */
  consume(handler: (item: QueuedWebhook) => void, maxInFlight: number): Promise<void>;
  deadLetters(appId: string): Promise<DeadLetter[]>;
  /** Moves the app's dead letters back into the queue; returns how many. */
  replayDeadLetters(appId: string): Promise<number>;
  close(): Promise<void>;
  /** Registers the queue's own metrics (its size and overflow), where it has any. */
  registerMetrics?(registry: Registry): void;
}

/** Ids remembered by `emit` to drop the copies that every presence replica produces. */
export const DUPLICATE_WINDOW_MS = 120_000;
