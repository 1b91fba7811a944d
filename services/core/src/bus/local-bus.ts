/**
 * The in-process Bus for embedded mode. Exact subjects are found through a map (the
 * per-channel fan-out path); wildcard subscriptions, which only services use, are scanned.
 */
import { randomUUID } from 'node:crypto';
import {
  type Bus,
  BusClosedError,
  type BusHandler,
  type BusMessage,
  BusNoRespondersError,
  type BusStatus,
  type BusSubscription,
  BusTimeoutError,
  type SubscribeOptions,
} from './bus';
import { type HandlerErrorReporter, reportToStderr } from './handler-errors';
import { hasWildcard, subjectMatches } from './subject-match';

interface LocalSubscription {
  readonly pattern: string;
  readonly handler: BusHandler;
  readonly queue?: string;
  active: boolean;
}

export class LocalBus implements Bus {
  readonly messagingSystem = 'herald_local';
  private readonly exact = new Map<string, LocalSubscription[]>();
  private wildcards: LocalSubscription[] = [];
  private readonly queueCursor = new Map<string, number>();
  private readonly statusListeners = new Set<(s: BusStatus) => void>();
  private closed = false;

  /** `onHandlerError` hears about handlers that throw; a throwing handler never stops delivery. */
  constructor(private readonly onHandlerError: HandlerErrorReporter = reportToStderr) {}

  publish(subject: string, data: Uint8Array): void {
    this.deliver(subject, data, undefined);
  }

  subscribe(pattern: string, handler: BusHandler, options: SubscribeOptions = {}): BusSubscription {
    if (this.closed) throw new BusClosedError();
    const sub: LocalSubscription = { pattern, handler, queue: options.queue, active: true };
    if (hasWildcard(pattern)) {
      this.wildcards.push(sub);
    } else {
      const list = this.exact.get(pattern);
      if (list) list.push(sub);
      else this.exact.set(pattern, [sub]);
    }
    return {
      unsubscribe: () => {
        if (!sub.active) return;
        sub.active = false;
        if (hasWildcard(pattern)) {
          this.wildcards = this.wildcards.filter((s) => s !== sub);
          return;
        }
        const list = this.exact.get(pattern);
        if (!list) return;
        const rest = list.filter((s) => s !== sub);
        if (rest.length === 0) this.exact.delete(pattern);
        else this.exact.set(pattern, rest);
      },
    };
  }

  request(subject: string, data: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    if (this.closed) return Promise.reject(new BusClosedError());
    return new Promise((resolve, reject) => {
      const inbox = `_INBOX.${randomUUID()}`;
      const timer = setTimeout(() => {
        replySub.unsubscribe();
        reject(new BusTimeoutError(`request to ${subject}`, timeoutMs));
      }, timeoutMs);
      const replySub = this.subscribe(inbox, (reply) => {
        clearTimeout(timer);
        replySub.unsubscribe();
        resolve(reply.data);
      });
      if (!this.deliver(subject, data, inbox)) {
        clearTimeout(timer);
        replySub.unsubscribe();
        reject(new BusNoRespondersError(subject));
      }
    });
  }

  async flush(): Promise<void> {
    if (this.closed) throw new BusClosedError();
  }

  isConnected(): boolean {
    return !this.closed;
  }

  onStatus(listener: (status: BusStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.exact.clear();
    this.wildcards = [];
    for (const listener of this.statusListeners) listener('closed');
  }

  /** Returns whether anybody was subscribed. */
  private deliver(subject: string, data: Uint8Array, replyTo: string | undefined): boolean {
    if (this.closed) throw new BusClosedError();
    const matched: LocalSubscription[] = [];
    const exact = this.exact.get(subject);
    if (exact) matched.push(...exact);
    for (const sub of this.wildcards) if (subjectMatches(sub.pattern, subject)) matched.push(sub);
    if (matched.length === 0) return false;

    const targets: LocalSubscription[] = [];
    const groups = new Map<string, LocalSubscription[]>();
    for (const sub of matched) {
      if (!sub.queue) targets.push(sub);
      else {
        const members = groups.get(sub.queue);
        if (members) members.push(sub);
        else groups.set(sub.queue, [sub]);
      }
    }
    for (const [queue, members] of groups) {
      const cursor = (this.queueCursor.get(queue) ?? 0) % members.length;
      this.queueCursor.set(queue, cursor + 1);
      targets.push(members[cursor]);
    }

    const message: BusMessage = {
      subject,
      data,
      expectsReply: replyTo !== undefined,
      respond: (reply: Uint8Array) => {
        if (replyTo !== undefined && !this.closed) this.deliver(replyTo, reply, undefined);
      },
    };
    // Asynchronous like a network bus: a handler never runs inside publish().
    queueMicrotask(() => {
      for (const sub of targets) {
        if (!sub.active) continue;
        try {
          sub.handler(message);
        } catch (err) {
          this.onHandlerError(err, subject);
        }
      }
    });
    return true;
  }
}
