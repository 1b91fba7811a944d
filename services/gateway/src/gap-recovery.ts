/**
 * After the gateway's bus connection comes back (nats-server restarted, or the node it was
 * attached to died and the client failed over), replays from the event journal everything
 * stored for its channels and users since shortly before the connection was lost. Events
 * published while its subscriptions were gone — answered 200 by an api that reached NATS
 * first — are delivered late instead of never. RecentEventIds drops those already delivered.
 *
 * The look-back starts before the moment the loss was noticed: a server that hangs instead of
 * dying is noticed only after missed pings (5 s × 2), and events it held for us then died with
 * it. A gap that reaches back further than the journal keeps cannot be replayed whole: the
 * sockets are asked to reconnect (4200) rather than left silently behind.
 */
import type { Bus } from '../../core/src/bus/bus';
import type { Clock, ClockTimer } from '../../core/src/clock';
import type { JournalEntry, JournalReplay } from '../../core/src/journal/event-journal';
import type { Logger } from '../../core/src/logging/logger';
import type { RecentEventIds } from './recent-event-ids';

/** NATS pings every 5 s and gives up after 2 unanswered: a hung server is noticed within ~10 s. */
const DEFAULT_LOOKBACK_MS = 15_000;
/**
 * Our re-created subscriptions are on our server after a flush; the other servers of a NATS
 * cluster learn of them over routes a moment later. The replay covers that moment too.
 */
const ROUTE_SETTLE_MS = 500;
const RETRY_MS = 1_000;

export interface GapRecoveryOptions {
  readonly bus: Bus;
  readonly journal: JournalReplay;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly recentIds: RecentEventIds;
  /** The channel and user subjects that have local sockets now. */
  readonly localSubjects: () => string[];
  /** Delivers a replayed entry exactly as if it had arrived live. */
  readonly deliver: (entry: JournalEntry) => void;
  /** The gap cannot be replayed whole: make the sockets reconnect. */
  readonly onUnrecoverable: () => void;
  readonly onReplayed?: (events: number) => void;
  readonly timeoutMs: number;
  readonly lookbackMs?: number;
}

export class GapRecovery {
  /** When the current gap began (undefined: none open). */
  private gapStartedAt: number | undefined;
  private running = false;
  private runAgain = false;
  private retryTimer: ClockTimer | undefined;
  private readonly stopWatching: () => void;
  private stopped = false;

  constructor(private readonly options: GapRecoveryOptions) {
    this.stopWatching = options.bus.onStatus((status) => {
      if (status === 'disconnected') this.gapStartedAt ??= options.clock.now();
      else if (status === 'reconnected' && this.gapStartedAt !== undefined) void this.recover();
    });
  }

  stop(): void {
    this.stopped = true;
    this.stopWatching();
    this.options.clock.clearTimeout(this.retryTimer);
  }

  /** Resolves once the open gap (if any) is replayed or given up; for tests and shutdown. */
  async recover(): Promise<void> {
    if (this.running) {
      this.runAgain = true;
      return;
    }
    this.running = true;
    try {
      do {
        this.runAgain = false;
        await this.replayOpenGap();
      } while (this.runAgain && !this.stopped);
    } finally {
      this.running = false;
    }
  }

  private async replayOpenGap(): Promise<void> {
    const { options } = this;
    const startedAt = this.gapStartedAt;
    if (startedAt === undefined || this.stopped || !options.bus.isConnected()) return;
    const since = startedAt - (options.lookbackMs ?? DEFAULT_LOOKBACK_MS);
    try {
      await options.bus.flush(options.timeoutMs);
      await new Promise((resolve) => options.clock.setTimeout(() => resolve(undefined), ROUTE_SETTLE_MS));
      if (options.clock.now() - since > options.journal.retentionMs) {
        options.logger.error({ gapStartedAt: new Date(startedAt).toISOString() }, 'bus outage longer than the event journal keeps; asking sockets to reconnect');
        this.closeGap(startedAt);
        options.onUnrecoverable();
        return;
      }
      options.recentIds.beginReplay();
      let replayed: number;
      try {
        replayed = await options.journal.replaySince(since, options.localSubjects(), options.deliver);
      } finally {
        options.recentIds.endReplay();
      }
      this.closeGap(startedAt);
      options.onReplayed?.(replayed);
      options.logger.info({ gapStartedAt: new Date(startedAt).toISOString(), replayed }, 'replayed the event journal after a bus reconnect');
    } catch (err) {
      if (this.stopped) return;
      options.logger.warn({ err }, 'could not replay the event journal after a bus reconnect; retrying');
      this.retryTimer = options.clock.setTimeout(() => void this.recover(), RETRY_MS);
    }
  }

  /** The gap is dealt with, unless the connection dropped again meanwhile (then it stays open). */
  private closeGap(startedAt: number): void {
    if (this.gapStartedAt === startedAt && this.options.bus.isConnected()) this.gapStartedAt = undefined;
  }
}
