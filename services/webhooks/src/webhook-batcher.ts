/**
 * Groups queued webhooks per app into batches of at most `maxEvents`, sent no later than
 * `maxWaitMs` after the first event of the batch arrived (Pusher: 20 events / 250 ms).
 */
import type { QueuedWebhook } from '../../core/src/webhooks/webhook-queue';

interface OpenBatch {
  readonly items: QueuedWebhook[];
  readonly timer: NodeJS.Timeout;
}

export class WebhookBatcher {
  private readonly open = new Map<string, OpenBatch>();

  constructor(
    private readonly maxEvents: number,
    private readonly maxWaitMs: number,
    private readonly onBatch: (appId: string, items: QueuedWebhook[]) => void,
  ) {}

  add(item: QueuedWebhook): void {
    const appId = item.event.appId;
    let batch = this.open.get(appId);
    if (!batch) {
      batch = { items: [], timer: setTimeout(() => this.flush(appId), this.maxWaitMs) };
      this.open.set(appId, batch);
    }
    batch.items.push(item);
    if (batch.items.length >= this.maxEvents) this.flush(appId);
  }

  /** Sends everything still waiting (shutdown). */
  flushAll(): void {
    for (const appId of [...this.open.keys()]) this.flush(appId);
  }

  private flush(appId: string): void {
    const batch = this.open.get(appId);
    if (!batch) return;
    clearTimeout(batch.timer);
    this.open.delete(appId);
    this.onBatch(appId, batch.items);
  }
}
