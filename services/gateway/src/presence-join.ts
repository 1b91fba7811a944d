/**
 * Joining a presence channel (and presence-cache-): the presence service admits the member
 * cluster-wide and answers with the channel's members, which subscription_succeeded carries.
 * A refusal (a full channel, presence unavailable) throws a PresenceError SubscriptionRefused.
 * The join carries the subscribe span's trace context to the replicas when it is sampled.
 */
import { SubscriptionRefused } from '../../core/src/protocol/errors';
import { subscriptionSucceededFrame } from '../../core/src/protocol/frames';
import type { TraceCarrier } from '../../core/src/tracing/event-trace-context';
import type { CacheReplay } from './cache-replay';
import type { ChannelRegistry } from './channel-registry';
import type { Connection } from './connection';
import { presenceData } from './presence-data';
import type { PresenceLink, PresenceMember } from './presence-link';

export class PresenceJoin {
  constructor(
    private readonly registry: ChannelRegistry,
    private readonly presence: PresenceLink,
    private readonly cacheReplay: CacheReplay,
  ) {}

  async join(connection: Connection, channel: string, cache: boolean, member: PresenceMember, context?: TraceCarrier): Promise<void> {
    const { app, socketId } = connection;
    const resubscribe = connection.subscriptions.has(channel);
    const subscription = { userId: member.userId, established: false };
    connection.subscriptions.set(channel, subscription);
    const local = await this.registry.reserve(app.id, channel);
    const outcome = await this.presence.join(app.id, channel, socketId, member.userId, member.userInfo, context);
    if (connection.closed || connection.subscriptions.get(channel) !== subscription) {
      // Unsubscribed or disconnected while the join was in flight. If that happened before the
      // join was sent, its leave found no member and the join then added one: leave now (a
      // no-op when the leave already went out) — unless a newer subscription of this socket
      // owns the membership (same socket and channel: its own join and leave handle it).
      this.registry.release(local);
      if (outcome.ok && !connection.subscriptions.has(channel)) this.presence.leave(app.id, channel, socketId);
      return;
    }
    if (!outcome.ok) {
      this.registry.release(local);
      connection.subscriptions.delete(channel);
      if (resubscribe) this.registry.detach(app.id, channel, connection);
      throw SubscriptionRefused.presence(channel, outcome.reason, outcome.status);
    }
    this.registry.attach(local, connection, cache);
    subscription.established = true;
    connection.send(subscriptionSucceededFrame(channel, presenceData(outcome.members)));
    if (cache) await this.cacheReplay.replay(connection, channel, local);
  }
}
