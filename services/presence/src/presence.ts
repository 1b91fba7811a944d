/**
 * One presence replica. Every replica hears every gateway's updates and leases and keeps the
 * whole membership table, so any replica can die without losing anything. Each replica
 * emits the resulting events with the same ids (gateways and the webhook queue keep one
 * copy), any ready replica answers a join, and queries go to one replica of the queue group.
 *
 * Consistency: a gateway numbers its updates; a replica that sees a gap (it was restarted,
 * or missed messages) asks that gateway for its full state and replaces its view of it.
 * A gateway whose lease runs out is removed: its users get member_removed.
 */
import type { AppRegistry } from '../../core/src/apps/app-registry';
import type { Bus, BusMessage, BusSubscription } from '../../core/src/bus/bus';
import { PRESENCE_QUERY_QUEUE, subjects } from '../../core/src/bus/subjects';
import type { Clock, ClockTimer } from '../../core/src/clock';
import {
  type ChannelMembersMessage,
  ChannelQuery,
  ChannelQueryReply,
  ConnectionTotals,
  GatewayLease,
  GatewayState,
  GatewayUpdate,
  JoinReply,
  SyncRequest,
  type WatchlistStatusMessage,
} from '../../core/src/codec/messages';
import type { Logger } from '../../core/src/logging/logger';
import { safely } from '../../core/src/logging/safely';
import type { HeraldService } from '../../core/src/service/service-lifecycle';
import type { Tracing } from '../../core/src/tracing/tracing';
import type { WebhookSink } from '../../core/src/webhooks/webhook-sink';
import { answerChannelQuery } from './channel-queries';
import { LeaseTable } from './lease-table';
import { type MemberEntry, Membership, type MembershipChange } from './membership';
import { presenceEvents } from './presence-events';
import { PresenceWebhooks } from './presence-webhooks';
import { SubscriptionCounts } from './subscription-counts';
import { type SignedInSocket, type UserChange, UserDirectory } from './user-directory';
import { watchlistEvents } from './watchlist-events';

export interface PresenceOptions {
  readonly bus: Bus;
  readonly apps: AppRegistry;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly replicaId: string;
  /** How long a starting replica gathers state before it answers or emits. */
  readonly syncGraceMs: number;
  /** TTL assumed for a gateway heard from before its first lease. */
  readonly defaultLeaseTtlMs: number;
  readonly webhooks: WebhookSink;
  /** Interval of pusher_internal:subscription_count per channel. */
  readonly subscriptionCountIntervalMs?: number;
  /** Traces the join → member_added path (default: off). */
  readonly tracing?: Tracing;
}

const SYNC_REQUEST_INTERVAL_MS = 1000;
const DEFAULT_MEMBER_LIMIT = 100;
const CONNECTION_TOTALS_DELAY_MS = 50;

/** What one message changed. */
interface Changes {
  readonly members: MembershipChange[];
  readonly users: UserChange[];
}

const noChanges = (): Changes => ({ members: [], users: [] });

export class Presence implements HeraldService {
  readonly name = 'presence';
  readonly membership = new Membership();
  readonly users = new UserDirectory();
  private readonly leases: LeaseTable;
  private readonly webhooks: PresenceWebhooks;
  private readonly subscriptionCounts: SubscriptionCounts;
  private readonly subscriptions: BusSubscription[] = [];
  /** This replica's place in the queue group that answers channel queries (once ready). */
  private querySubscription: BusSubscription | undefined;
  private readonly lastSyncRequest = new Map<string, number>();
  /** Gateways this replica declared dead; if one comes back, its return is announced. */
  private readonly expired = new Set<string>();
  private ready = false;
  /** While this replica is cut off from the bus, silence is not evidence that a gateway died. */
  private busDown = false;
  private stopStatusWatch: (() => void) | undefined;
  private readyTimer: ClockTimer | undefined;
  private expiryTimer: ClockTimer | undefined;
  private totalsTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: PresenceOptions) {
    this.leases = new LeaseTable(options.clock);
    this.webhooks = new PresenceWebhooks(options.webhooks, options.apps, options.clock, options.logger);
    this.subscriptionCounts = new SubscriptionCounts(options.bus, options.webhooks, options.apps, options.clock, options.logger, options.subscriptionCountIntervalMs);
  }

  /** Subscribed to the gateways' updates and leases; ready (answering, emitting) after the sync grace. */
  async start(): Promise<void> {
    const { bus } = this.options;
    const { logger } = this.options;
    this.subscriptions.push(
      bus.subscribe(
        subjects.presenceUpdates,
        safely(logger, 'presence update', (m) => this.onUpdate(m)),
      ),
    );
    this.subscriptions.push(
      bus.subscribe(
        subjects.presenceLeases,
        safely(logger, 'presence lease', (m) => this.onLease(m)),
      ),
    );
    this.subscriptions.push(
      bus.subscribe(
        subjects.presenceState,
        safely(logger, 'presence state', (m) => this.onState(m)),
      ),
    );
    this.requestSyncFromAll();
    const becomeReady = safely(logger, 'presence start', () => {
      this.ready = true;
      this.querySubscription = bus.subscribe(
        subjects.presenceQuery,
        safely(logger, 'presence query', (m) => this.onQuery(m)),
        { queue: PRESENCE_QUERY_QUEUE },
      );
      this.scheduleConnectionTotals();
      this.options.logger.info({ replicaId: this.options.replicaId, gateways: this.membership.gatewayIds().length }, 'presence replica ready');
    });
    if (this.options.syncGraceMs > 0) this.readyTimer = this.options.clock.setTimeout(becomeReady, this.options.syncGraceMs);
    else becomeReady();
    this.stopStatusWatch = bus.onStatus((status) => {
      if (status === 'disconnected') this.busDown = true;
      if (status === 'reconnected') {
        this.busDown = false;
        this.leases.renewAll(this.options.defaultLeaseTtlMs);
        this.requestSyncFromAll();
      }
    });
    this.expiryTimer = this.options.clock.setInterval(
      safely(logger, 'lease expiry', () => this.expireLeases()),
      250,
    );
    this.expiryTimer.unref();
  }

  /**
   * Hands channel queries to the other replicas (it leaves their queue group) and, if still
   * gathering state, never becomes ready. It keeps hearing the gateways until stop: a gateway
   * draining beside it releases its lease, and its users' member_removed must still follow.
   */
  async drain(): Promise<void> {
    this.options.clock.clearTimeout(this.readyTimer);
    this.querySubscription?.unsubscribe();
    this.querySubscription = undefined;
  }

  async stop(): Promise<void> {
    await this.drain();
    this.options.clock.clearInterval(this.expiryTimer);
    clearTimeout(this.totalsTimer);
    this.stopStatusWatch?.();
    this.webhooks.stop();
    this.subscriptionCounts.stop();
    for (const sub of this.subscriptions) sub.unsubscribe();
    this.subscriptions.length = 0;
    this.ready = false;
  }

  isReady(): boolean {
    return this.ready;
  }

  /** Checks leases now (the timer does this every 250 ms). */
  expireLeases(): void {
    if (this.busDown) return;
    for (const gatewayId of this.leases.takeExpired()) {
      const seq = this.membership.gateway(gatewayId)?.seq ?? 0;
      const changes = this.removeGateway(gatewayId);
      this.expired.add(gatewayId);
      this.options.logger.warn({ gatewayId, changes: changes.members.length }, 'gateway lease expired; its sockets left');
      this.emit(changes, `${gatewayId}:expired:${seq}`);
    }
  }

  private onUpdate(message: BusMessage): void {
    const update = GatewayUpdate.decode(message.data);
    const gatewayId = update.gatewayId;
    const seq = update.seq;
    const known = this.membership.gateway(gatewayId);
    const holdings = this.membership.holdings(gatewayId);
    if (!this.leases.has(gatewayId)) this.leases.renew(gatewayId, this.options.defaultLeaseTtlMs);
    if (this.expired.delete(gatewayId)) this.requestSync(gatewayId);

    const rejected = new Map<MemberEntry, string>();
    if (seq > holdings.seq) {
      if (seq !== holdings.seq + 1 && (known || seq > 1)) this.requestSync(gatewayId);
      const changes = noChanges();
      for (const c of update.counts) this.membership.setCount(gatewayId, c.appId, c.channel, c.count, changes.members);
      for (const l of update.leaves) this.membership.leave(gatewayId, l.appId, l.channel, l.socketId, changes.members);
      for (const c of update.connections) this.membership.setConnections(gatewayId, c.appId, c.count);
      for (const s of update.signouts) this.users.signout(gatewayId, s.appId, s.socketId, changes.users);
      for (const s of update.signins) this.users.signin(gatewayId, s, changes.users);
      for (const join of update.joins) {
        const limit = this.options.apps.byId(join.appId)?.limits.maxPresenceMembers ?? DEFAULT_MEMBER_LIMIT;
        if (this.membership.wouldExceed(join, limit)) {
          rejected.set(join, `Presence channel ${join.channel} is full: it has the maximum of ${limit} members`);
          continue;
        }
        this.membership.join(gatewayId, join, changes.members);
      }
      holdings.seq = seq;
      if (update.connections.length > 0) this.scheduleConnectionTotals();
      this.emit(changes, `${gatewayId}:${seq}`);
    }
    if (message.expectsReply && this.ready) {
      message.respond(
        JoinReply.encode({
          channels: update.joins.map((j) => this.membersOf(j, rejected.get(j))),
          watchlists: update.signins.map((s) => this.watchlistStatus(s)),
        }),
      );
    }
  }

  private membersOf(join: MemberEntry, rejectedReason: string | undefined): ChannelMembersMessage {
    if (rejectedReason) return { appId: join.appId, channel: join.channel, members: [], rejectedReason };
    const totals = this.membership.channel(join.appId, join.channel);
    const members = totals ? [...totals.users].map(([userId, user]) => ({ userId, userInfo: user.userInfo })) : [];
    return { appId: join.appId, channel: join.channel, members };
  }

  private watchlistStatus(signin: SignedInSocket): WatchlistStatusMessage {
    return { appId: signin.appId, socketId: signin.socketId, onlineUserIds: signin.watchlist.filter((u) => this.users.isOnline(signin.appId, u)) };
  }

  private onLease(message: BusMessage): void {
    const lease = GatewayLease.decode(message.data);
    const gatewayId = lease.gatewayId;
    if (lease.released) {
      const seq = this.membership.gateway(gatewayId)?.seq ?? 0;
      const changes = this.removeGateway(gatewayId);
      this.leases.forget(gatewayId);
      this.options.logger.info({ gatewayId, changes: changes.members.length }, 'gateway released its lease');
      this.emit(changes, `${gatewayId}:released:${seq}`);
      return;
    }
    this.leases.renew(gatewayId, lease.ttlMs);
    const holdings = this.membership.gateway(gatewayId);
    if (this.expired.has(gatewayId) || (holdings?.seq ?? 0) < lease.seq) this.requestSync(gatewayId);
    else this.membership.holdings(gatewayId);
  }

  private onState(message: BusMessage): void {
    const state = GatewayState.decode(message.data);
    const gatewayId = state.gatewayId;
    const seq = state.seq;
    const holdings = this.membership.gateway(gatewayId);
    if (holdings && holdings.seq > seq) return; // older than what we have
    const changes = noChanges();
    this.membership.replaceGateway(gatewayId, seq, state.counts, state.members, state.connections, changes.members);
    this.users.replaceGateway(gatewayId, state.signins, changes.users);
    if (!this.leases.has(gatewayId)) this.leases.renew(gatewayId, this.options.defaultLeaseTtlMs);
    this.scheduleConnectionTotals();
    // Catching up is silent (other replicas announced these changes when they happened),
    // unless this replica had declared the gateway dead: then its users are back for everyone.
    if (this.expired.delete(gatewayId)) this.emit(changes, `${gatewayId}:returned:${seq}`);
  }

  private onQuery(message: BusMessage): void {
    const query = ChannelQuery.decode(message.data);
    message.respond(ChannelQueryReply.encode(answerChannelQuery(this.membership, query)));
  }

  private removeGateway(gatewayId: string): Changes {
    const changes = noChanges();
    this.membership.removeGateway(gatewayId, changes.members);
    this.users.removeGateway(gatewayId, changes.users);
    this.scheduleConnectionTotals();
    return changes;
  }

  private requestSyncFromAll(): void {
    this.options.bus.publish(subjects.gatewaySyncAll, SyncRequest.encode({ replicaId: this.options.replicaId }));
  }

  private requestSync(gatewayId: string): void {
    const now = this.options.clock.now();
    if (now - (this.lastSyncRequest.get(gatewayId) ?? 0) < SYNC_REQUEST_INTERVAL_MS) return;
    this.lastSyncRequest.set(gatewayId, now);
    this.options.bus.publish(subjects.gatewaySync(gatewayId), SyncRequest.encode({ replicaId: this.options.replicaId }));
  }

  /** Tells gateways every gateway's connection counts (cluster-wide connection limits). */
  private scheduleConnectionTotals(): void {
    if (this.totalsTimer || !this.ready) return;
    this.totalsTimer = setTimeout(
      safely(this.options.logger, 'connection totals', () => {
        this.totalsTimer = undefined;
        const entries = this.membership
          .gatewayIds()
          .flatMap((gatewayId) => [...(this.membership.gateway(gatewayId)?.connections ?? [])].map(([appId, count]) => ({ gatewayId, appId, count })));
        this.options.bus.publish(subjects.connectionTotals, ConnectionTotals.encode({ entries }));
      }),
      CONNECTION_TOTALS_DELAY_MS,
    );
    this.totalsTimer.unref();
  }

  private emit(changes: Changes, cause: string): void {
    if (!this.ready) return;
    const now = this.options.clock.now();
    const events = [...presenceEvents(changes.members, cause, now), ...watchlistEvents(changes.users, this.users, this.options.apps, cause, now)];
    for (const event of events) this.options.bus.publish(event.subject, event.data);
    this.webhooks.handle(changes.members, cause);
    for (const change of changes.members) {
      if (change.kind === 'subscription_count') this.subscriptionCounts.changed(change.appId, change.channel, change.count);
    }
  }
}
