/**
 * pusher:subscribe and pusher:unsubscribe for every channel type: name checks, signature
 * checks, presence joins, and the local registry. A refused subscription gets
 * `pusher:subscription_error`; the socket stays usable.
 */
import { classifyChannel, channelNameProblem, requiresAuth } from '../../core/src/protocol/channel-names';
import { ProtocolError } from '../../core/src/protocol/errors';
import { subscriptionErrorFrame, subscriptionSucceededFrame } from '../../core/src/protocol/frames';
import { verifyChannelAuth } from '../../core/src/signing/socket-auth';
import type { Logger } from '../../core/src/logging/logger';
import type { ChannelRegistry } from './channel-registry';
import { parseChannelData } from './channel-data';
import type { Connection } from './connection';
import { presenceData } from './presence-data';
import type { PresenceLink } from './presence-link';

export interface SubscriptionsOptions {
  readonly registry: ChannelRegistry;
  readonly presence: PresenceLink;
  readonly logger: Logger;
}

export class Subscriptions {
  constructor(private readonly options: SubscriptionsOptions) {}

  async subscribe(connection: Connection, data: Record<string, unknown>): Promise<void> {
    const { app } = connection;
    const channel = data.channel;
    if (typeof channel !== 'string') throw ProtocolError.invalidFrame('pusher:subscribe needs data.channel');
    const nameProblem = channelNameProblem(channel, app.limits.maxChannelNameLength);
    if (nameProblem) {
      connection.send(subscriptionErrorFrame(channel, 'InvalidChannelName', nameProblem, 400));
      return;
    }
    const existing = connection.subscriptions.get(channel);
    if (existing && !existing.established) return; // a join is already on its way

    const kind = classifyChannel(channel);
    let presenceUser: { userId: string; userInfo: string } | undefined;
    if (requiresAuth(kind)) {
      const auth = data.auth;
      const channelData = kind.type === 'presence' ? data.channel_data : undefined;
      if (typeof auth !== 'string' || auth.length === 0) {
        connection.send(subscriptionErrorFrame(channel, 'AuthError', `Auth value for subscription to ${channel} is required`, 401));
        return;
      }
      if (kind.type === 'presence' && typeof channelData !== 'string') {
        connection.send(subscriptionErrorFrame(channel, 'AuthError', `channel_data for subscription to ${channel} is required`, 401));
        return;
      }
      if (!verifyChannelAuth(app, connection.socketId, channel, auth, channelData as string | undefined)) {
        connection.send(
          subscriptionErrorFrame(channel, 'AuthError', `Invalid signature: the auth for ${channel} does not match socket ${connection.socketId}`, 401),
        );
        return;
      }
      if (kind.type === 'presence') {
        const parsed = parseChannelData(channelData as string, app.limits);
        if (!parsed.ok) {
          connection.send(subscriptionErrorFrame(channel, 'PresenceError', parsed.error, 400));
          return;
        }
        presenceUser = parsed;
      }
    }

    if (!presenceUser) {
      if (!existing) {
        connection.subscriptions.set(channel, { established: false });
        const local = await this.options.registry.reserve(app.id, channel);
        if (connection.closed || connection.subscriptions.get(channel)?.established !== false) {
          this.options.registry.release(local);
          return;
        }
        this.options.registry.attach(local, connection);
        connection.subscriptions.set(channel, { established: true });
      }
      connection.send(subscriptionSucceededFrame(channel));
      return;
    }
    await this.joinPresence(connection, channel, presenceUser.userId, presenceUser.userInfo, Boolean(existing));
  }

  unsubscribe(connection: Connection, channel: string): void {
    const subscription = connection.subscriptions.get(channel);
    if (!subscription) return;
    connection.subscriptions.delete(channel);
    this.options.registry.detach(connection.app.id, channel, connection);
    if (subscription.userId !== undefined) this.options.presence.leave(connection.app.id, channel, connection.socketId);
  }

  /** The socket is gone: leave everything. */
  leaveAll(connection: Connection): void {
    for (const channel of [...connection.subscriptions.keys()]) this.unsubscribe(connection, channel);
  }

  private async joinPresence(connection: Connection, channel: string, userId: string, userInfo: string, resubscribe: boolean): Promise<void> {
    const { app } = connection;
    const subscription = { userId, established: false };
    connection.subscriptions.set(channel, subscription);
    const local = await this.options.registry.reserve(app.id, channel);
    const outcome = await this.options.presence.join(app.id, channel, connection.socketId, userId, userInfo);
    if (connection.closed || connection.subscriptions.get(channel) !== subscription) {
      // Unsubscribed or disconnected while the join was in flight; unsubscribe sent the leave.
      this.options.registry.release(local);
      return;
    }
    if (!outcome.ok) {
      this.options.registry.release(local);
      connection.subscriptions.delete(channel);
      if (resubscribe) this.options.registry.detach(app.id, channel, connection);
      connection.send(subscriptionErrorFrame(channel, 'PresenceError', outcome.reason, outcome.status));
      return;
    }
    this.options.registry.attach(local, connection);
    subscription.established = true;
    connection.send(subscriptionSucceededFrame(channel, presenceData(outcome.members)));
  }
}
