/**
 * The cluster-wide truth about channels: for every gateway, what it holds (subscription
 * counts per channel, presence members per socket, connections per app), and, derived from
 * that, per channel the total subscription count and the distinct presence users.
 *
 * Every mutation returns the changes it caused (a user's first socket joined, a channel
 * became occupied…) as data; the replica decides what to emit. Operations are idempotent
 * (counts are absolute, joins and leaves are keyed by socket), so a repeated message or a
 * full-state replacement cannot corrupt the totals.
 */

export type MembershipChange =
  | { readonly kind: 'member_added'; readonly appId: string; readonly channel: string; readonly userId: string; readonly userInfo: string; readonly socketId: string }
  | { readonly kind: 'member_removed'; readonly appId: string; readonly channel: string; readonly userId: string }
  | { readonly kind: 'occupied' | 'vacated'; readonly appId: string; readonly channel: string }
  | { readonly kind: 'subscription_count'; readonly appId: string; readonly channel: string; readonly count: number };

export interface MemberEntry {
  readonly appId: string;
  readonly channel: string;
  readonly socketId: string;
  readonly userId: string;
  readonly userInfo: string;
}

interface PresenceUser {
  userInfo: string;
  sockets: number;
}

export class ChannelTotals {
  subscriptionCount = 0;
  readonly users = new Map<string, PresenceUser>();
  constructor(
    readonly appId: string,
    readonly channel: string,
  ) {}
}

/** What one gateway holds. */
export class GatewayHoldings {
  seq = 0;
  readonly counts = new Map<string, number>();
  readonly members = new Map<string, MemberEntry>();
  readonly connections = new Map<string, number>();
}

const channelKey = (appId: string, channel: string) => `${appId}\u0000${channel}`;
const memberKey = (appId: string, channel: string, socketId: string) => `${appId}\u0000${channel}\u0000${socketId}`;

export class Membership {
  private readonly gateways = new Map<string, GatewayHoldings>();
  private readonly channels = new Map<string, ChannelTotals>();
  private readonly connectionsByApp = new Map<string, number>();

  gateway(gatewayId: string): GatewayHoldings | undefined {
    return this.gateways.get(gatewayId);
  }

  /** The holdings of a gateway, created empty when it is new. */
  holdings(gatewayId: string): GatewayHoldings {
    let holdings = this.gateways.get(gatewayId);
    if (!holdings) {
      holdings = new GatewayHoldings();
      this.gateways.set(gatewayId, holdings);
    }
    return holdings;
  }

  gatewayIds(): string[] {
    return [...this.gateways.keys()];
  }

  channel(appId: string, channel: string): ChannelTotals | undefined {
    return this.channels.get(channelKey(appId, channel));
  }

  /** Every channel anyone holds or is a member of, of every app (the metrics' scrape). */
  allChannels(): IterableIterator<ChannelTotals> {
    return this.channels.values();
  }

  /** Occupied channels of an app whose name starts with `prefix`. */
  *channelsOf(appId: string, prefix: string): IterableIterator<ChannelTotals> {
    for (const totals of this.channels.values()) {
      if (totals.appId === appId && totals.channel.startsWith(prefix) && totals.subscriptionCount > 0) yield totals;
    }
  }

  connections(appId: string): number {
    return this.connectionsByApp.get(appId) ?? 0;
  }

  setCount(gatewayId: string, appId: string, channel: string, count: number, changes: MembershipChange[]): void {
    const holdings = this.holdings(gatewayId);
    const key = channelKey(appId, channel);
    const previous = holdings.counts.get(key) ?? 0;
    if (previous === count) return;
    if (count > 0) holdings.counts.set(key, count);
    else holdings.counts.delete(key);
    const totals = this.totals(appId, channel);
    const before = totals.subscriptionCount;
    totals.subscriptionCount += count - previous;
    if (before === 0 && totals.subscriptionCount > 0) changes.push({ kind: 'occupied', appId, channel });
    changes.push({ kind: 'subscription_count', appId, channel, count: totals.subscriptionCount });
    if (totals.subscriptionCount === 0) {
      changes.push({ kind: 'vacated', appId, channel });
      this.dropIfEmpty(totals);
    }
  }

  setConnections(gatewayId: string, appId: string, count: number): void {
    const holdings = this.holdings(gatewayId);
    const previous = holdings.connections.get(appId) ?? 0;
    if (count > 0) holdings.connections.set(appId, count);
    else holdings.connections.delete(appId);
    const total = (this.connectionsByApp.get(appId) ?? 0) + count - previous;
    if (total > 0) this.connectionsByApp.set(appId, total);
    else this.connectionsByApp.delete(appId);
  }

  /** Whether `join` would add a new user to a channel that is already at `limit` users. */
  wouldExceed(join: MemberEntry, limit: number): boolean {
    const totals = this.channels.get(channelKey(join.appId, join.channel));
    if (!totals || totals.users.has(join.userId)) return false;
    return totals.users.size >= limit;
  }

  join(gatewayId: string, join: MemberEntry, changes: MembershipChange[]): void {
    const holdings = this.holdings(gatewayId);
    const key = memberKey(join.appId, join.channel, join.socketId);
    const existing = holdings.members.get(key);
    if (existing) {
      if (existing.userId === join.userId) return;
      this.leave(gatewayId, join.appId, join.channel, join.socketId, changes); // same socket, new identity
    }
    holdings.members.set(key, join);
    const totals = this.totals(join.appId, join.channel);
    const user = totals.users.get(join.userId);
    if (user) {
      user.sockets += 1;
      return;
    }
    totals.users.set(join.userId, { userInfo: join.userInfo, sockets: 1 });
    changes.push({ kind: 'member_added', appId: join.appId, channel: join.channel, userId: join.userId, userInfo: join.userInfo, socketId: join.socketId });
  }

  leave(gatewayId: string, appId: string, channel: string, socketId: string, changes: MembershipChange[]): void {
    const holdings = this.gateways.get(gatewayId);
    const key = memberKey(appId, channel, socketId);
    const entry = holdings?.members.get(key);
    if (!holdings || !entry) return;
    holdings.members.delete(key);
    const totals = this.channels.get(channelKey(appId, channel));
    const user = totals?.users.get(entry.userId);
    if (!totals || !user) return;
    user.sockets -= 1;
    if (user.sockets > 0) return;
    totals.users.delete(entry.userId);
    changes.push({ kind: 'member_removed', appId, channel, userId: entry.userId });
    this.dropIfEmpty(totals);
  }

  /** A gateway is gone: everything it held leaves. */
  removeGateway(gatewayId: string, changes: MembershipChange[]): void {
    const holdings = this.gateways.get(gatewayId);
    if (!holdings) return;
    for (const member of [...holdings.members.values()]) this.leave(gatewayId, member.appId, member.channel, member.socketId, changes);
    for (const key of [...holdings.counts.keys()]) {
      const [appId, channel] = key.split('\u0000');
      this.setCount(gatewayId, appId, channel, 0, changes);
    }
    for (const appId of [...holdings.connections.keys()]) this.setConnections(gatewayId, appId, 0);
    this.gateways.delete(gatewayId);
  }

  /** Replaces what a gateway holds with a full snapshot of it; returns the differences. */
  replaceGateway(
    gatewayId: string,
    seq: number,
    counts: ReadonlyArray<{ appId: string; channel: string; count: number }>,
    members: readonly MemberEntry[],
    connections: ReadonlyArray<{ appId: string; count: number }>,
    changes: MembershipChange[],
  ): void {
    const holdings = this.holdings(gatewayId);
    const wantedMembers = new Map(members.map((m) => [memberKey(m.appId, m.channel, m.socketId), m]));
    for (const [key, member] of [...holdings.members]) {
      if (wantedMembers.get(key)?.userId !== member.userId) this.leave(gatewayId, member.appId, member.channel, member.socketId, changes);
    }
    for (const member of members) this.join(gatewayId, member, changes);
    const wantedCounts = new Map(counts.map((c) => [channelKey(c.appId, c.channel), c]));
    for (const key of [...holdings.counts.keys()]) {
      if (!wantedCounts.has(key)) {
        const [appId, channel] = key.split('\u0000');
        this.setCount(gatewayId, appId, channel, 0, changes);
      }
    }
    for (const c of counts) this.setCount(gatewayId, c.appId, c.channel, c.count, changes);
    const wantedConnections = new Map(connections.map((c) => [c.appId, c.count]));
    for (const appId of [...holdings.connections.keys()]) if (!wantedConnections.has(appId)) this.setConnections(gatewayId, appId, 0);
    for (const c of connections) this.setConnections(gatewayId, c.appId, c.count);
    holdings.seq = seq;
  }

  private totals(appId: string, channel: string): ChannelTotals {
    const key = channelKey(appId, channel);
    let totals = this.channels.get(key);
    if (!totals) {
      totals = new ChannelTotals(appId, channel);
      this.channels.set(key, totals);
    }
    return totals;
  }

  private dropIfEmpty(totals: ChannelTotals): void {
    if (totals.subscriptionCount === 0 && totals.users.size === 0) this.channels.delete(channelKey(totals.appId, totals.channel));
  }
}
