/**
 * WebhookQueue on JetStream, for cluster mode.
 * - HERALD_WEBHOOKS: a work-queue stream on `herald.webhooks.>`; producers publish with
 *   the event id as Nats-Msg-Id, so the copies every presence replica emits are stored once.
 * - one durable pull consumer shared by every `herald webhooks` process: each event goes to
 *   one of them; an event not acked within the ack wait (its process died) is redelivered.
 * - HERALD_WEBHOOKS_DEAD: events that ran out of retries, kept 14 days, per-app subjects.
 */
import { AckPolicy, type JetStreamClient, type JetStreamManager, type JsMsg, type NatsConnection, nanos, headers as natsHeaders, RetentionPolicy, StorageType } from 'nats';
import { Gauge, type Registry, type RegistryContentType } from 'prom-client';
import type { Clock } from '../clock';
import { WebhookEvent, type WebhookEventMessage } from '../codec/messages';
import type { Logger } from '../logging/logger';
import { type BackoffPolicy, backoffDelay } from '../retry/backoff';
import { type DeadLetter, DUPLICATE_WINDOW_MS, type QueuedWebhook, type WebhookQueue } from './webhook-queue';

export const WEBHOOK_STREAM = 'HERALD_WEBHOOKS';
export const DEAD_LETTER_STREAM = 'HERALD_WEBHOOKS_DEAD';
const CONSUMER = 'herald-webhooks';
const DEAD_SUBJECT = (appId: string) => `herald.webhooks-dead.${appId}`;
const EMIT_ATTEMPTS = 5;
/** 400 ms doubling to 3.2 s between the attempts; jittered so replicas emitting the same event do not retry in step. */
const EMIT_BACKOFF: BackoffPolicy = { initialMs: 400, multiplier: 2, maxMs: 3200, jitter: 0.25 };

export interface JetStreamWebhookQueueOptions {
  readonly nc: NatsConnection;
  readonly clock: Clock;
  readonly logger: Logger;
  /** An unacked delivery is handed out again after this long. */
  readonly ackWaitMs: number;
  /** Called when an event could not be stored after retries (it is logged with its content). */
  readonly onEmitFailure?: (event: WebhookEventMessage) => void;
}

async function ensureStream(
  jsm: JetStreamManager,
  config: { name: string; subjects: string[]; retention: RetentionPolicy; max_age: number; duplicate_window?: number },
): Promise<void> {
  try {
    await jsm.streams.info(config.name);
    await jsm.streams.update(config.name, config);
  } catch (err) {
    if (!String((err as Error).message).includes('not found')) throw err;
    await jsm.streams.add({ ...config, storage: StorageType.File });
  }
}

/** A scrape waits this long for the stream's numbers, then shows the last ones it had. */
const STREAM_INFO_TIMEOUT_MS = 1000;

export class JetStreamWebhookQueue implements WebhookQueue {
  private stopConsuming: (() => void) | undefined;
  /** The work-queue stream's depth, read from the server at each scrape (the stream is the queue: a message goes once acked). */
  private readonly depth = {
    events: new Gauge({
      name: 'herald_webhooks_queue_events',
      help: 'Webhook events in the queue (ready, being delivered, waiting to retry)',
      registers: [],
      collect: () => this.readDepth(),
    }),
    bytes: new Gauge({ name: 'herald_webhooks_queue_bytes', help: 'Bytes of the webhook events in the queue', registers: [], collect: () => this.readDepth() }),
  };
  /** The read under way: both gauges of one scrape share one round trip to the server. */
  private depthRead: Promise<void> | undefined;

  private constructor(
    private readonly options: JetStreamWebhookQueueOptions,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
  ) {}

  /** The queue depth, for the webhooks service's registry. */
  registerMetrics(registry: Registry<RegistryContentType>): void {
    registry.registerMetric(this.depth.events);
    registry.registerMetric(this.depth.bytes);
  }

  private readDepth(): Promise<void> {
    this.depthRead ??= (async () => {
      const state = await Promise.race([
        this.jsm.streams.info(WEBHOOK_STREAM).then((info) => info.state),
        new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), STREAM_INFO_TIMEOUT_MS).unref()),
      ]).catch(() => undefined);
      // Unanswered: the gauges keep the last numbers they had.
      if (state) {
        this.depth.events.set(state.messages);
        this.depth.bytes.set(state.bytes);
      }
    })().finally(() => {
      this.depthRead = undefined;
    });
    return this.depthRead;
  }

  /** Creates (or updates) the streams; fails clearly when the NATS server has no JetStream. */
  static async open(options: JetStreamWebhookQueueOptions): Promise<JetStreamWebhookQueue> {
    let jsm: JetStreamManager;
    try {
      jsm = await options.nc.jetstreamManager();
    } catch (err) {
      throw new Error(`NATS JetStream is required for webhooks and cache channels (start nats-server with -js): ${(err as Error).message}`);
    }
    await ensureStream(jsm, {
      name: WEBHOOK_STREAM,
      subjects: ['herald.webhooks.>'],
      retention: RetentionPolicy.Workqueue,
      max_age: nanos(7 * 24 * 3600 * 1000),
      duplicate_window: nanos(DUPLICATE_WINDOW_MS),
    });
    await ensureStream(jsm, { name: DEAD_LETTER_STREAM, subjects: ['herald.webhooks-dead.>'], retention: RetentionPolicy.Limits, max_age: nanos(14 * 24 * 3600 * 1000) });
    return new JetStreamWebhookQueue(options, options.nc.jetstream(), jsm);
  }

  emit(event: WebhookEventMessage): void {
    void this.store(event);
  }

  async consume(handler: (item: QueuedWebhook) => void, maxInFlight: number): Promise<void> {
    const config = { durable_name: CONSUMER, ack_policy: AckPolicy.Explicit, ack_wait: nanos(this.options.ackWaitMs), max_deliver: -1, max_ack_pending: maxInFlight };
    try {
      await this.jsm.consumers.info(WEBHOOK_STREAM, CONSUMER);
      await this.jsm.consumers.update(WEBHOOK_STREAM, CONSUMER, { ack_wait: config.ack_wait, max_ack_pending: maxInFlight });
    } catch {
      await this.jsm.consumers.add(WEBHOOK_STREAM, config);
    }
    const consumer = await this.js.consumers.get(WEBHOOK_STREAM, CONSUMER);
    const messages = await consumer.consume({ max_messages: maxInFlight });
    this.stopConsuming = () => void messages.close();
    void (async () => {
      for await (const message of messages) {
        try {
          handler(this.item(message));
        } catch (err) {
          this.options.logger.error({ err }, 'webhook handler failed; the event will be redelivered');
          message.nak(1000);
        }
      }
    })();
  }

  async deadLetters(appId: string): Promise<DeadLetter[]> {
    const letters: DeadLetter[] = [];
    await this.readDead(appId, (message) => {
      letters.push({
        event: WebhookEvent.decode(message.data),
        reason: message.headers?.get('Herald-Reason') ?? '',
        deadAtMs: Math.floor(message.info.timestampNanos / 1e6),
      });
    });
    return letters;
  }

  async replayDeadLetters(appId: string): Promise<number> {
    let count = 0;
    let lastSeq = 0;
    await this.readDead(appId, async (message) => {
      const event = WebhookEvent.decode(message.data);
      await this.js.publish(`herald.webhooks.${appId}`, message.data, { msgID: `${event.id}|replay|${message.info.streamSequence}` });
      lastSeq = message.info.streamSequence;
      count += 1;
    });
    if (count > 0) await this.jsm.streams.purge(DEAD_LETTER_STREAM, { filter: DEAD_SUBJECT(appId), seq: lastSeq + 1 });
    return count;
  }

  async close(): Promise<void> {
    this.stopConsuming?.();
  }

  private async store(event: WebhookEventMessage): Promise<void> {
    const data = WebhookEvent.encode(event);
    for (let attempt = 1; attempt <= EMIT_ATTEMPTS; attempt++) {
      try {
        await this.js.publish(`herald.webhooks.${event.appId}`, data, { msgID: event.id ?? undefined });
        return;
      } catch (err) {
        if (attempt === EMIT_ATTEMPTS) {
          this.options.logger.error({ err, event }, 'could not queue a webhook event');
          this.options.onEmitFailure?.(event);
          return;
        }
        await new Promise<void>((resolve) => this.options.clock.setTimeout(resolve, backoffDelay(EMIT_BACKOFF, attempt)));
      }
    }
  }

  /** Reads an app's dead letters in order with an ephemeral ordered consumer. */
  private async readDead(appId: string, visit: (message: JsMsg) => void | Promise<void>): Promise<void> {
    const info = await this.jsm.streams.info(DEAD_LETTER_STREAM, { subjects_filter: DEAD_SUBJECT(appId) });
    const total = info.state.subjects?.[DEAD_SUBJECT(appId)] ?? 0;
    if (total === 0) return;
    const consumer = await this.js.consumers.get(DEAD_LETTER_STREAM, { filterSubjects: [DEAD_SUBJECT(appId)] });
    let seen = 0;
    while (seen < total) {
      const message = await consumer.next({ expires: 2000 });
      if (!message) break;
      await visit(message);
      seen += 1;
      if (message.info.pending === 0) break;
    }
  }

  private item(message: JsMsg): QueuedWebhook {
    const event = WebhookEvent.decode(message.data);
    return {
      event,
      queuedAtMs: Math.floor(message.info.timestampNanos / 1e6),
      attempt: message.info.redeliveryCount,
      ack: () => message.ack(),
      retry: (delayMs) => message.nak(delayMs),
      deadLetter: async (reason) => {
        const h = natsHeaders();
        h.set('Herald-Reason', reason.slice(0, 500));
        await this.js.publish(DEAD_SUBJECT(event.appId), message.data, { headers: h, msgID: `${event.id}|dead|${message.info.streamSequence}` });
        message.ack();
      },
    };
  }
}
