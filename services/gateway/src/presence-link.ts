/**
 * The gateway's side of the presence protocol. It reports what this gateway holds —
 * subscription counts per channel, presence members per socket, connections per app — as
 * numbered GatewayUpdates, renews the gateway's lease, and answers presence replicas that
 * ask for the full state (a replica that started, or saw a gap in the numbers).
 */
import type { Bus, BusSubscription } from '../../core/src/bus/bus';
import { BusNoRespondersError, BusTimeoutError } from '../../core/src/bus/bus';
import { subjects } from '../../core/src/bus/subjects';
import type { Clock, ClockTimer } from '../../core/src/clock';
import {
  type ChannelCountMessage,
  GatewayLease,
  GatewayState,
  GatewayUpdate,
  type GatewayUpdateMessage,
  JoinReply,
  type MemberJoinMessage,
  type MemberLeaveMessage,
  type UserSigninMessage,
  type UserSignoutMessage,
} from '../../core/src/codec/messages';
import type { Logger } from '../../core/src/logging/logger';
import { safely } from '../../core/src/logging/safely';
import { type BackoffPolicy, backoffDelay } from '../../core/src/retry/backoff';
import type { TraceCarrier } from '../../core/src/tracing/event-trace-context';

export interface PresenceMember {
  readonly userId: string;
  /** JSON text, or '' when the member has no user_info. */
  readonly userInfo: string;
}

export type JoinOutcome = { readonly ok: true; readonly members: PresenceMember[] } | { readonly ok: false; readonly reason: string; readonly status: number };

export interface PresenceLinkOptions {
  readonly bus: Bus;
  readonly gatewayId: string;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly leaseIntervalMs: number;
  readonly leaseTtlMs: number;
  readonly requestTimeoutMs: number;
}

const JOIN_ATTEMPTS = 3;
/** While no replica answers (all restarting): 200 ms, then 400 ms, jittered so a gateway's waiting joins do not all come back at once. */
const JOIN_BACKOFF: BackoffPolicy = { initialMs: 200, multiplier: 2, maxMs: 400, jitter: 0.25 };

const key = (appId: string, channel: string) => `${appId}\u0000${channel}`;
const memberKey = (appId: string, channel: string, socketId: string) => `${appId}\u0000${channel}\u0000${socketId}`;

export class PresenceLink {
  private seq = 0;
  private readonly counts = new Map<string, ChannelCountMessage>();
  private readonly members = new Map<string, MemberJoinMessage>();
  private readonly connections = new Map<string, number>();
  private readonly signins = new Map<string, UserSigninMessage>();
  private pendingSignins: UserSigninMessage[] = [];
  private pendingSignouts: UserSignoutMessage[] = [];
  private pendingCounts = new Map<string, ChannelCountMessage>();
  private pendingLeaves: MemberLeaveMessage[] = [];
  private pendingConnections = new Map<string, number>();
  private flushScheduled = false;
  private leaseTimer: ClockTimer | undefined;
  private readonly subscriptions: BusSubscription[] = [];
  private released = false;

  constructor(private readonly options: PresenceLinkOptions) {}

  start(): void {
    const { bus, gatewayId } = this.options;
    const answerSync = safely(this.options.logger, 'presence sync', () => this.publishState());
    this.subscriptions.push(bus.subscribe(subjects.gatewaySync(gatewayId), answerSync));
    this.subscriptions.push(bus.subscribe(subjects.gatewaySyncAll, answerSync));
    this.renewLease();
    this.leaseTimer = this.options.clock.setInterval(
      safely(this.options.logger, 'lease renewal', () => this.renewLease()),
      this.options.leaseIntervalMs,
    );
    this.leaseTimer.unref();
  }

  reportCount(appId: string, channel: string, count: number): void {
    const entry = { appId, channel, count };
    if (count > 0) this.counts.set(key(appId, channel), entry);
    else this.counts.delete(key(appId, channel));
    this.pendingCounts.set(key(appId, channel), entry);
    this.scheduleFlush();
  }

  /** Publishes what is pending now rather than at the end of the turn (a no-op when nothing is). */
  sendPending(): void {
    this.flushNow();
  }

  reportConnections(appId: string, count: number): void {
    if (count > 0) this.connections.set(appId, count);
    else this.connections.delete(appId);
    this.pendingConnections.set(appId, count);
    this.scheduleFlush();
  }

  /**
   * Joins a socket to a presence channel and returns the channel's members as the cluster
   * sees them (including this socket's user). Retries while no presence replica answers.
   * `context`: the subscribe span's, carried to the replicas when sampled (not kept in the state).
   */
  async join(appId: string, channel: string, socketId: string, userId: string, userInfo: string, context?: TraceCarrier): Promise<JoinOutcome> {
    const join: MemberJoinMessage = { appId, channel, socketId, userId, userInfo };
    this.members.set(memberKey(appId, channel, socketId), join);
    const sent: MemberJoinMessage = context?.traceparent ? { ...join, traceparent: context.traceparent, tracestate: context.tracestate } : join;
    let lastError: unknown;
    for (let attempt = 1; attempt <= JOIN_ATTEMPTS; attempt++) {
      const update = this.takeUpdate([sent]);
      try {
        const bytes = await this.options.bus.request(subjects.presenceUpdates, GatewayUpdate.encode(update), this.options.requestTimeoutMs);
        const reply = JoinReply.decode(bytes);
        const entry = reply.channels.find((c) => c.appId === appId && c.channel === channel);
        if (!entry) return { ok: false, reason: 'presence service sent no members', status: 500 };
        if (entry.rejectedReason) {
          this.members.delete(memberKey(appId, channel, socketId));
          return { ok: false, reason: entry.rejectedReason, status: 403 };
        }
        return { ok: true, members: (entry.members ?? []).map((m) => ({ userId: m.userId ?? '', userInfo: m.userInfo ?? '' })) };
      } catch (err) {
        lastError = err;
        if (!(err instanceof BusTimeoutError || err instanceof BusNoRespondersError)) break;
        this.options.logger.warn({ err, channel, attempt }, 'presence did not answer a join');
        if (err instanceof BusNoRespondersError && attempt < JOIN_ATTEMPTS) {
          await new Promise<void>((resolve) => this.options.clock.setTimeout(resolve, backoffDelay(JOIN_BACKOFF, attempt)));
        }
      }
    }
    // The update was published (its seq is used): undo the join so replicas that did apply it agree.
    this.leave(appId, channel, socketId);
    return { ok: false, reason: `presence service unavailable (${(lastError as Error)?.message ?? 'unknown error'})`, status: 503 };
  }

  /**
   * Reports a signed-in socket. With a watchlist, waits for presence and returns which of
   * the watched users are online now; without one, just queues the report.
   */
  async signin(appId: string, socketId: string, userId: string, watchlist: string[]): Promise<string[]> {
    const signin: UserSigninMessage = { appId, socketId, userId, watchlist };
    this.signins.set(`${appId}\u0000${socketId}`, signin);
    if (watchlist.length === 0) {
      this.pendingSignins.push(signin);
      this.scheduleFlush();
      return [];
    }
    this.pendingSignins.push(signin);
    const update = this.takeUpdate([]);
    try {
      const bytes = await this.options.bus.request(subjects.presenceUpdates, GatewayUpdate.encode(update), this.options.requestTimeoutMs);
      return JoinReply.decode(bytes).watchlists.find((w) => w.socketId === socketId)?.onlineUserIds ?? [];
    } catch (err) {
      // The signin itself was published; only the initial online list is missing.
      this.options.logger.warn({ err, userId }, 'presence did not answer a signin with a watchlist');
      return [];
    }
  }

  signout(appId: string, socketId: string): void {
    if (!this.signins.delete(`${appId}\u0000${socketId}`)) return;
    this.pendingSignouts.push({ appId, socketId });
    this.scheduleFlush();
  }

  leave(appId: string, channel: string, socketId: string): void {
    if (!this.members.delete(memberKey(appId, channel, socketId))) return;
    this.pendingLeaves.push({ appId, channel, socketId });
    this.scheduleFlush();
  }

  /** Ends the lease at once (clean shutdown): replicas remove this gateway's sockets now. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.flushNow();
    this.options.clock.clearInterval(this.leaseTimer);
    this.publishLease(true);
  }

  stop(): void {
    this.options.clock.clearInterval(this.leaseTimer);
    for (const sub of this.subscriptions) sub.unsubscribe();
    this.subscriptions.length = 0;
  }

  /** Totals for readiness and tests. */
  stats(): { seq: number; members: number; channels: number } {
    return { seq: this.seq, members: this.members.size, channels: this.counts.size };
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // Coalesce everything changed in this turn of the event loop into one update.
    setImmediate(safely(this.options.logger, 'presence update', () => this.flushNow()));
  }

  private flushNow(): void {
    this.flushScheduled = false;
    if (
      this.pendingCounts.size === 0 &&
      this.pendingLeaves.length === 0 &&
      this.pendingConnections.size === 0 &&
      this.pendingSignins.length === 0 &&
      this.pendingSignouts.length === 0
    ) {
      return;
    }
    this.publish(subjects.presenceUpdates, GatewayUpdate.encode(this.takeUpdate([])));
  }

  /** Builds the next numbered update from everything pending plus `joins`. */
  private takeUpdate(joins: MemberJoinMessage[]): GatewayUpdateMessage {
    this.seq += 1;
    const update: GatewayUpdateMessage = {
      gatewayId: this.options.gatewayId,
      seq: this.seq,
      counts: [...this.pendingCounts.values()],
      leaves: this.pendingLeaves,
      joins,
      connections: [...this.pendingConnections].map(([appId, count]) => ({ appId, count })),
      signins: this.pendingSignins,
      signouts: this.pendingSignouts,
    };
    this.pendingCounts = new Map();
    this.pendingLeaves = [];
    this.pendingConnections = new Map();
    this.pendingSignins = [];
    this.pendingSignouts = [];
    return update;
  }

  private renewLease(): void {
    this.flushNow();
    this.publishLease(false);
  }

  private publishLease(released: boolean): void {
    const lease = GatewayLease.encode({
      gatewayId: this.options.gatewayId,
      seq: this.seq,
      ttlMs: this.options.leaseTtlMs,
      released,
    });
    this.publish(subjects.presenceLeases, lease);
  }

  private publishState(): void {
    if (this.released) return;
    this.flushNow();
    const state = GatewayState.encode({
      gatewayId: this.options.gatewayId,
      seq: this.seq,
      counts: [...this.counts.values()],
      members: [...this.members.values()],
      connections: [...this.connections].map(([appId, count]) => ({ appId, count })),
      signins: [...this.signins.values()],
    });
    this.publish(subjects.presenceState, state);
  }

  private publish(subject: string, data: Uint8Array): void {
    try {
      this.options.bus.publish(subject, data);
    } catch (err) {
      this.options.logger.warn({ err, subject }, 'could not publish to presence');
    }
  }
}
