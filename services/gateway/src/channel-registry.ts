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
  /** Called whenever the number of local subscribers of a channel changes. */
  readonly onCountChange: (appId: string, channel: string, count: number) => void;
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
      this.channels.set(subject, local);
      const created = local;
      created.busSubscription = this.options.bus.subscribe(subject, (msg) => this.options.onMessage(created, msg.data));
      // A round trip so that an event published right after subscription_succeeded is not
      // missed because the bus had not registered our interest yet.
      created.interest = this.options.bus.flush(this.options.interestTimeoutMs).catch((err: unknown) => {
        this.options.logger.warn({ err, channel }, 'bus did not confirm channel interest in time; continuing');
      });
    }
    local.pending += 1;
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
    this.options.onCountChange(local.appId, local.name, local.size);
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
    this.dropIfUnused(local);
  }

  detach(appId: string, channel: string, connection: Connection): void {
    const local = this.get(appId, channel);
    if (!local?.subscribers.delete(connection)) return;
    local.heldForReplay.delete(connection);
    this.options.onCountChange(appId, channel, local.size);
    this.dropIfUnused(local);
  }

  private dropIfUnused(local: LocalChannel): void {
    if (local.size > 0 || local.pending > 0) return;
    local.busSubscription?.unsubscribe();
    this.channels.delete(local.subject);
  }
}
