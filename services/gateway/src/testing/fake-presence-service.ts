/**
 * The presence service's side of the gateway protocol, faked on a bus for unit tests: it
 * records every GatewayUpdate, lease and state a gateway publishes (as plain objects, easy to
 * compare), and answers join and watchlist requests from a membership of its own.
 */
import type { Bus, BusSubscription } from '../../../core/src/bus/bus';
import { subjects } from '../../../core/src/bus/subjects';
import { GatewayLease, GatewayState, GatewayUpdate, JoinReply } from '../../../core/src/codec/messages';
import type { PresenceMember } from '../presence-link';

export interface RecordedUpdate {
  readonly seq: number;
  readonly counts: Array<{ appId: string; channel: string; count: number }>;
  readonly joins: Array<{ appId: string; channel: string; socketId: string; userId: string; userInfo: string }>;
  readonly leaves: Array<{ appId: string; channel: string; socketId: string }>;
  readonly connections: Array<{ appId: string; count: number }>;
  readonly signins: Array<{ appId: string; socketId: string; userId: string; watchlist: string[] }>;
  readonly signouts: Array<{ appId: string; socketId: string }>;
  /** Whether the gateway waited for an answer (a join, or a signin with a watchlist). */
  readonly request: boolean;
}

export class FakePresenceService {
  readonly updates: RecordedUpdate[] = [];
  readonly leases: Array<{ seq: number; ttlMs: number; released: boolean }> = [];
  readonly states: Array<{ seq: number; members: number; counts: number; signins: number }> = [];
  /** Channels whose joins are refused, with the reason (as a full channel is). */
  readonly refusals = new Map<string, string>();
  /** Users online anywhere, for watchlist answers. */
  readonly online = new Set<string>();
  /** False: requests get no answer, so the gateway's requests time out. */
  answering = true;
  private readonly members = new Map<string, PresenceMember[]>();
  private readonly subscriptions: BusSubscription[];

  constructor(bus: Bus) {
    this.subscriptions = [
      bus.subscribe(subjects.presenceUpdates, (message) => {
        const update = GatewayUpdate.decode(message.data);
        this.updates.push({
          seq: update.seq,
          counts: update.counts.map((c) => ({ appId: c.appId, channel: c.channel, count: c.count })),
          joins: update.joins.map((j) => ({ appId: j.appId, channel: j.channel, socketId: j.socketId, userId: j.userId, userInfo: j.userInfo })),
          leaves: update.leaves.map((l) => ({ appId: l.appId, channel: l.channel, socketId: l.socketId })),
          connections: update.connections.map((c) => ({ appId: c.appId, count: c.count })),
          signins: update.signins.map((s) => ({ appId: s.appId, socketId: s.socketId, userId: s.userId, watchlist: [...s.watchlist] })),
          signouts: update.signouts.map((s) => ({ appId: s.appId, socketId: s.socketId })),
          request: message.expectsReply,
        });
        if (!message.expectsReply || !this.answering) return;
        message.respond(
          JoinReply.encode({
            channels: update.joins.map((join) => {
              const rejectedReason = this.refusals.get(join.channel);
              if (rejectedReason) return { appId: join.appId, channel: join.channel, members: [], rejectedReason };
              const members = this.members.get(join.channel) ?? [];
              members.push({ userId: join.userId, userInfo: join.userInfo });
              this.members.set(join.channel, members);
              return { appId: join.appId, channel: join.channel, members };
            }),
            watchlists: update.signins
              .filter((s) => s.watchlist.length > 0)
              .map((s) => ({ appId: s.appId, socketId: s.socketId, onlineUserIds: s.watchlist.filter((id) => this.online.has(id)) })),
          }),
        );
      }),
      bus.subscribe(subjects.presenceLeases, (message) => {
        const lease = GatewayLease.decode(message.data);
        this.leases.push({ seq: lease.seq, ttlMs: lease.ttlMs, released: lease.released });
      }),
      bus.subscribe(subjects.presenceState, (message) => {
        const state = GatewayState.decode(message.data);
        this.states.push({ seq: state.seq, members: state.members.length, counts: state.counts.length, signins: state.signins.length });
      }),
    ];
  }

  /** A member the service already knows (another socket, perhaps on another gateway). */
  addMember(channel: string, member: PresenceMember): void {
    this.members.set(channel, [...(this.members.get(channel) ?? []), member]);
  }

  stop(): void {
    for (const subscription of this.subscriptions) subscription.unsubscribe();
  }
}
