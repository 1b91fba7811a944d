/**
 * One presence replica. Every replica hears every gateway's updates and leases and keeps the
 * whole membership table, so any replica can die without losing anything. Each replica
 * emits the resulting member events with the same ids (gateways deliver one copy), any
 * ready replica answers a join, and queries go to one replica of the queue group.
 *
 * Consistency: a gateway numbers its updates; a replica that sees a gap (it was restarted,
 * or missed messages) asks that gateway for its full state and replaces its view of it.
 * A gateway whose lease runs out is removed: its users get member_removed.
 */
import type { AppRegistry } from '../../core/src/apps/app-registry';
import type { Bus, BusMessage, BusSubscription } from '../../core/src/bus/bus';
import { PRESENCE_QUERY_QUEUE, subjects } from '../../core/src/bus/subjects';
import type { Clock } from '../../core/src/clock';
import {
  ChannelQuery,
  ChannelQueryReply,
  type ChannelMembersMessage,
  GatewayLease,
  GatewayState,
  GatewayUpdate,
  JoinReply,
  SyncRequest,
} from '../../core/src/codec/messages';
import type { Logger } from '../../core/src/logging/logger';
import { answerChannelQuery } from './channel-queries';
import { LeaseTable } from './lease-table';
import { type MemberEntry, Membership, type MembershipChange } from './membership';
import { presenceEvents } from './presence-events';

export interface PresenceReplicaOptions {
  readonly bus: Bus;
  readonly apps: AppRegistry;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly replicaId: string;
  /** How long a starting replica gathers state before it answers or emits. */
  readonly syncGraceMs: number;
  /** TTL assumed for a gateway heard from before its first lease. */
  readonly defaultLeaseTtlMs: number;
  /** Hears every change once the replica is ready (webhooks build on this). */
  readonly onChanges?: (changes: readonly MembershipChange[], cause: string) => void;
}

const SYNC_REQUEST_INTERVAL_MS = 1000;
const DEFAULT_MEMBER_LIMIT = 100;

export class PresenceReplica {
  readonly membership = new Membership();
  private readonly leases: LeaseTable;
  private readonly subscriptions: BusSubscription[] = [];
  private readonly lastSyncRequest = new Map<string, number>();
  /** Gateways this replica declared dead; if one comes back, its return is announced. */
  private readonly expired = new Set<string>();
  private ready = false;
  /** While this replica is cut off from the bus, silence is not evidence that a gateway died. */
  private busDown = false;
  private stopStatusWatch: (() => void) | undefined;
  private readyTimer: NodeJS.Timeout | undefined;
  private expiryTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: PresenceReplicaOptions) {
    this.leases = new LeaseTable(options.clock);
  }

  start(): void {
    const { bus } = this.options;
    this.subscriptions.push(bus.subscribe(subjects.presenceUpdates, (m) => this.onUpdate(m)));
    this.subscriptions.push(bus.subscribe(subjects.presenceLeases, (m) => this.onLease(m)));
    this.subscriptions.push(bus.subscribe(subjects.presenceState, (m) => this.onState(m)));
    bus.publish(subjects.gatewaySyncAll, SyncRequest.encode({ replicaId: this.options.replicaId }));
    const becomeReady = () => {
      this.ready = true;
      this.subscriptions.push(bus.subscribe(subjects.presenceQuery, (m) => this.onQuery(m), { queue: PRESENCE_QUERY_QUEUE }));
      this.options.logger.info({ replicaId: this.options.replicaId, gateways: this.membership.gatewayIds().length }, 'presence replica ready');
    };
    if (this.options.syncGraceMs > 0) this.readyTimer = setTimeout(becomeReady, this.options.syncGraceMs);
    else becomeReady();
    this.stopStatusWatch = bus.onStatus((status) => {
      if (status === 'disconnected') this.busDown = true;
      if (status === 'reconnected') {
        this.busDown = false;
        this.leases.renewAll(this.options.defaultLeaseTtlMs);
        bus.publish(subjects.gatewaySyncAll, SyncRequest.encode({ replicaId: this.options.replicaId }));
      }
    });
    this.expiryTimer = setInterval(() => this.expireLeases(), 250);
    this.expiryTimer.unref();
  }

  stop(): void {
    clearTimeout(this.readyTimer);
    clearInterval(this.expiryTimer);
    this.stopStatusWatch?.();
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
      const changes: MembershipChange[] = [];
      this.membership.removeGateway(gatewayId, changes);
      this.expired.add(gatewayId);
      this.options.logger.warn({ gatewayId, changes: changes.length }, 'gateway lease expired; its sockets left');
      this.emit(changes, `${gatewayId}:expired:${seq}`);
    }
  }

  private onUpdate(message: BusMessage): void {
    const update = GatewayUpdate.decode(message.data);
    const gatewayId = update.gatewayId;
    const known = this.membership.gateway(gatewayId);
    const holdings = this.membership.holdings(gatewayId);
    if (!this.leases.has(gatewayId)) this.leases.renew(gatewayId, this.options.defaultLeaseTtlMs);
    if (this.expired.delete(gatewayId)) this.requestSync(gatewayId);

    const joins: MemberEntry[] = update.joins.map((j) => ({
      appId: j.appId,
      channel: j.channel,
      socketId: j.socketId,
      userId: j.userId,
      userInfo: j.userInfo,
    }));
    const rejected = new Map<MemberEntry, string>();
    if (update.seq > holdings.seq) {
      if (update.seq !== holdings.seq + 1 && (known || update.seq > 1)) this.requestSync(gatewayId);
      const changes: MembershipChange[] = [];
      for (const c of update.counts) this.membership.setCount(gatewayId, c.appId, c.channel, c.count, changes);
      for (const l of update.leaves) this.membership.leave(gatewayId, l.appId, l.channel, l.socketId, changes);
      for (const c of update.connections) this.membership.setConnections(gatewayId, c.appId, c.count);
      for (const join of joins) {
        const limit = this.options.apps.byId(join.appId)?.limits.maxPresenceMembers ?? DEFAULT_MEMBER_LIMIT;
        if (this.membership.wouldExceed(join, limit)) {
          rejected.set(join, `Presence channel ${join.channel} is full: it has the maximum of ${limit} members`);
          continue;
        }
        this.membership.join(gatewayId, join, changes);
      }
      holdings.seq = update.seq;
      this.emit(changes, `${gatewayId}:${update.seq}`);
    }
    if (message.expectsReply && this.ready) message.respond(JoinReply.encode({ channels: joins.map((j) => this.membersOf(j, rejected.get(j))) }));
  }

  private membersOf(join: MemberEntry, rejectedReason: string | undefined): ChannelMembersMessage {
    if (rejectedReason) return { appId: join.appId, channel: join.channel, members: [], rejectedReason };
    const totals = this.membership.channel(join.appId, join.channel);
    const members = totals ? [...totals.users].map(([userId, user]) => ({ userId, userInfo: user.userInfo })) : [];
    return { appId: join.appId, channel: join.channel, members };
  }

  private onLease(message: BusMessage): void {
    const lease = GatewayLease.decode(message.data);
    const gatewayId = lease.gatewayId;
    if (lease.released) {
      const changes: MembershipChange[] = [];
      const seq = this.membership.gateway(gatewayId)?.seq ?? 0;
      this.membership.removeGateway(gatewayId, changes);
      this.leases.forget(gatewayId);
      this.options.logger.info({ gatewayId, changes: changes.length }, 'gateway released its lease');
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
    const holdings = this.membership.gateway(gatewayId);
    if (holdings && holdings.seq > state.seq) return; // older than what we have
    const changes: MembershipChange[] = [];
    this.membership.replaceGateway(
      gatewayId,
      state.seq,
      state.counts.map((c) => ({ appId: c.appId, channel: c.channel, count: c.count })),
      state.members.map((m) => ({ appId: m.appId, channel: m.channel, socketId: m.socketId, userId: m.userId, userInfo: m.userInfo })),
      state.connections.map((c) => ({ appId: c.appId, count: c.count })),
      changes,
    );
    if (!this.leases.has(gatewayId)) this.leases.renew(gatewayId, this.options.defaultLeaseTtlMs);
    // Catching up is silent (other replicas announced these changes when they happened),
    // unless this replica had declared the gateway dead: then its users are back for everyone.
    if (this.expired.delete(gatewayId)) this.emit(changes, `${gatewayId}:returned:${state.seq}`);
  }

  private onQuery(message: BusMessage): void {
    const query = ChannelQuery.decode(message.data);
    message.respond(ChannelQueryReply.encode(answerChannelQuery(this.membership, query)));
  }

  private requestSync(gatewayId: string): void {
    const now = this.options.clock.now();
    if (now - (this.lastSyncRequest.get(gatewayId) ?? 0) < SYNC_REQUEST_INTERVAL_MS) return;
    this.lastSyncRequest.set(gatewayId, now);
    this.options.bus.publish(subjects.gatewaySync(gatewayId), SyncRequest.encode({ replicaId: this.options.replicaId }));
  }

  private emit(changes: readonly MembershipChange[], cause: string): void {
    if (!this.ready || changes.length === 0) return;
    for (const event of presenceEvents(changes, cause, this.options.clock.now())) this.options.bus.publish(event.subject, event.data);
    this.options.onChanges?.(changes, cause);
  }
}
