/** WebhookQueue in process memory, for embedded mode (lost with the process, like everything embedded). */
import type { Clock, ClockTimer } from '../clock';
import type { WebhookEventMessage } from '../codec/messages';
import { type DeadLetter, DUPLICATE_WINDOW_MS, type QueuedEvent, type QueuedWebhook, type WebhookQueue } from './webhook-queue';

/** A handler that throws gets the item again this much later, as from JetStreamWebhookQueue. */
const HANDLER_FAILURE_RETRY_MS = 1000;

/** Hears about consumer handlers that throw (the item is handed out again). */
export type WebhookHandlerErrorReporter = (err: unknown) => void;

const reportToStderr: WebhookHandlerErrorReporter = (err) => {
  process.stderr.write(`webhook handler threw; the event will be redelivered: ${(err as Error)?.stack ?? String(err)}\n`);
};

interface Pending {
  readonly event: QueuedEvent;
  readonly queuedAtMs: number;
  attempt: number;
  dueAtMs: number;
}

function normalise(event: WebhookEventMessage): QueuedEvent {
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
  };
}

export class MemoryWebhookQueue implements WebhookQueue {
  private ready: Pending[] = [];
  private readonly waiting = new Set<ClockTimer>();
  private readonly recentIds = new Map<string, number>();
  private readonly dead = new Map<string, DeadLetter[]>();
  private handler: ((item: QueuedWebhook) => void) | undefined;
  private maxInFlight = 1;
  private inFlight = 0;
  private closed = false;

  constructor(
    private readonly clock: Clock,
    private readonly onHandlerError: WebhookHandlerErrorReporter = reportToStderr,
  ) {}

  emit(event: WebhookEventMessage): void {
    if (this.closed) return;
    const now = this.clock.now();
    const id = event.id ?? '';
    const seen = this.recentIds.get(id);
    if (seen !== undefined && now - seen < DUPLICATE_WINDOW_MS) return;
    this.recentIds.set(id, now);
    if (this.recentIds.size > 10_000) this.forgetOldIds(now);
    this.ready.push({ event: normalise(event), queuedAtMs: now, attempt: 0, dueAtMs: now });
    this.pump();
  }

  async consume(handler: (item: QueuedWebhook) => void, maxInFlight: number): Promise<void> {
    this.handler = handler;
    this.maxInFlight = Math.max(1, maxInFlight);
    this.pump();
  }

  async deadLetters(appId: string): Promise<DeadLetter[]> {
    return [...(this.dead.get(appId) ?? [])];
  }

  async replayDeadLetters(appId: string): Promise<number> {
    const letters = this.dead.get(appId) ?? [];
    this.dead.delete(appId);
    const now = this.clock.now();
    for (const letter of letters) this.ready.push({ event: letter.event, queuedAtMs: now, attempt: 0, dueAtMs: now });
    this.pump();
    return letters.length;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.waiting) this.clock.clearTimeout(timer);
    this.waiting.clear();
  }

  private pump(): void {
    for (;;) {
      const { handler } = this;
      if (!handler || this.closed || this.inFlight >= this.maxInFlight) return;
      const pending = this.ready.shift();
      if (!pending) return;
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
      ack: settle,
      retry: (delayMs) => {
        settle();
        const timer = this.clock.setTimeout(() => {
          this.waiting.delete(timer);
          this.ready.push(pending);
          this.pump();
        }, delayMs);
        this.waiting.add(timer);
      },
      deadLetter: async (reason) => {
        settle();
        const letters = this.dead.get(pending.event.appId) ?? [];
        letters.push({ event: pending.event, reason, deadAtMs: this.clock.now() });
        this.dead.set(pending.event.appId, letters);
      },
    };
  }

  private forgetOldIds(now: number): void {
    for (const [id, at] of this.recentIds) if (now - at >= DUPLICATE_WINDOW_MS) this.recentIds.delete(id);
  }
}
