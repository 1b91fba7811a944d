/**
 * Which local sockets are subscribed to which channel, and the gateway's interest on the
 * bus: the gateway subscribes to a channel's subject when its first local socket needs it
 * and unsubscribes when the last one leaves, so it receives only traffic it can deliver.
 */
import type { Bus, BusSubscription } from '../../core/src/bus/bus';
import { subjects } from '../../core/src/bus/subjects';
import type { Logger } from '../../core/src/logging/logger';
import type { Connection } from './connection';

export class LocalChannel {
  readonly subscribers = new Set<Connection>();
  /** Subscriptions being set up (e.g. waiting for presence); they keep the interest alive. */
  pending = 0;
  busSubscription: BusSubscription | undefined;
  /** Resolves when the bus has confirmed the interest. */
  interest: Promise<void> = Promise.resolve();
  /** The subscription count last reported for this gateway (see ChannelRegistry.report). */
  reported = 0;
  /**
   * New cache-channel subscribers whose cached event is still being fetched: live events for
   * them wait here so that they arrive after the replay, not before it. Empty almost always.
   */
  readonly heldForReplay = new Map<Connection, Buffer[]>();

  constructor(
    readonly appId: string,
    readonly name: string,
    readonly subject: string,
  ) {}

  get size(): number {
    return this.subscribers.size;
  }
}

export interface ChannelRegistryOptions {
  readonly bus: Bus;
  readonly logger: Logger;
  /** Called with every message on a channel's subject (the fan-out). */
  readonly onMessage: (channel: LocalChannel, data: Uint8Array) => void;
  /**
   * Called whenever this gateway's subscription count of a channel changes: its subscribers,
   * or 1 while its only subscriptions are still being set up.
   */
  readonly onCountChange: (appId: string, channel: string, count: number) => void;
  /**
   * Called just before the round trip that confirms a new channel's interest: whatever it
   * publishes reaches the bus ahead of that round trip (the gateway sends its count report, so
   * a channel query made after subscription_succeeded already sees the channel occupied).
   */
  readonly beforeInterestRoundTrip?: () => void;
  /** Called when a socket joins (+1) or leaves (-1) a channel's subscribers (metrics). */
  readonly onSubscribersChange?: (channel: LocalChannel, change: 1 | -1) => void;
  readonly interestTimeoutMs: number;
}

export class ChannelRegistry {
  private readonly channels = new Map<string, LocalChannel>();

  constructor(private readonly options: ChannelRegistryOptions) {}

  get(appId: string, channel: string): LocalChannel | undefined {
    return this.channels.get(subjects.channel(appId, channel));
  }

  /** The subjects of every local channel (what a replay after a bus outage asks for). */
  subjects(): string[] {
    return [...this.channels.keys()];
  }

  /** A replayed message for `subject`, delivered as if it had arrived live; false when no local channel has it. */
  deliver(subject: string, data: Uint8Array): boolean {
    const local = this.channels.get(subject);
    if (!local) return false;
    this.options.onMessage(local, data);
    return true;
  }

  /** All local channels of an app (for the gateway's own accounting). */
  *all(): IterableIterator<LocalChannel> {
    yield* this.channels.values();
  }

  /**
   * Reserves the channel for a subscription being set up and makes sure the bus delivers
   * its events here. Call `attach` (or `release`) exactly once afterwards.
   */
  async reserve(appId: string, channel: string): Promise<LocalChannel> {
    const subject = subjects.channel(appId, channel);
    let local = this.channels.get(subject);
    if (!local) {
      local = new LocalChannel(appId, channel, subject);
      const created = local;
      // Subscribed before it is registered: a bus that refuses (closing) must not leave a
      // channel here that later subscribers would be confirmed into and never served from.
      created.busSubscription = this.options.bus.subscribe(subject, (msg) => this.options.onMessage(created, msg.data));
      this.channels.set(subject, created);
      created.pending += 1;
      this.report(created);
      this.options.beforeInterestRoundTrip?.();
      // A round trip so that an event published right after subscription_succeeded is not
      // missed because the bus had not registered our interest yet.
      created.interest = this.options.bus.flush(this.options.interestTimeoutMs).catch((err: unknown) => {
        this.options.logger.warn({ err, channel }, 'bus did not confirm channel interest in time; continuing');
      });
    } else {
      local.pending += 1;
    }
    await local.interest;
    return local;
  }

  /**
   * Completes a reservation: the socket now receives the channel's events. `holdForReplay`
   * (cache channels): they are kept for it until `endReplayHold`.
   */
  attach(local: LocalChannel, connection: Connection, holdForReplay = false): void {
    local.pending -= 1;
    if (local.subscribers.has(connection)) return;
    if (holdForReplay) local.heldForReplay.set(connection, []);
    local.subscribers.add(connection);
    this.options.onSubscribersChange?.(local, 1);
    this.report(local);
  }

  /** The replay was sent: returns the live events held meanwhile (undefined when the socket left). */
  endReplayHold(local: LocalChannel, connection: Connection): Buffer[] | undefined {
    const held = local.heldForReplay.get(connection);
    local.heldForReplay.delete(connection);
    return held;
  }

  /** Abandons a reservation (the subscription failed or the socket went away). */
  release(local: LocalChannel): void {
    local.pending -= 1;
    this.report(local);
    this.dropIfUnused(local);
  }

  detach(appId: string, channel: string, connection: Connection): void {
    const local = this.get(appId, channel);
    if (!local?.subscribers.delete(connection)) return;
    local.heldForReplay.delete(connection);
    this.options.onSubscribersChange?.(local, -1);
    this.report(local);
    this.dropIfUnused(local);
  }

  /**
   * A channel whose subscriptions are all still being set up counts as one subscription, so
   * presence hears of it before the interest round trip ends (and before subscription_succeeded),
   * without churn (subscribe, unsubscribe, subscribe…) inflating the count.
   */
  private report(local: LocalChannel): void {
    const count = local.size > 0 ? local.size : Math.min(local.pending, 1);
    if (count === local.reported) return;
    local.reported = count;
    this.options.onCountChange(local.appId, local.name, count);
  }

  private dropIfUnused(local: LocalChannel): void {
    if (local.size > 0 || local.pending > 0) return;
    local.busSubscription?.unsubscribe();
    this.channels.delete(local.subject);
  }
}
