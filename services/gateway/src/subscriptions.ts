/**
 * pusher:subscribe and pusher:unsubscribe for every channel type: name checks, signature
 * checks, presence joins, and the local registry. A refused subscription gets
 * `pusher:subscription_error`; the socket stays usable.
 */
import { randomUUID } from 'node:crypto';
import { classifyChannel, channelNameProblem, requiresAuth, SERVER_TO_USER_PREFIX } from '../../core/src/protocol/channel-names';
import { ProtocolError } from '../../core/src/protocol/errors';
import { cacheMissFrame, channelEventFrame, subscriptionErrorFrame, subscriptionSucceededFrame } from '../../core/src/protocol/frames';
import { serverTextFrame } from '../../core/src/protocol/websocket-frame';
import type { CacheStore } from '../../core/src/stores/cache-store';
import { type WebhookSink, wantsWebhook } from '../../core/src/webhooks/webhook-sink';
import { verifyChannelAuth } from '../../core/src/signing/socket-auth';
import type { Logger } from '../../core/src/logging/logger';
import type { ChannelRegistry, LocalChannel } from './channel-registry';
import { parseChannelData } from './channel-data';
import type { Connection } from './connection';
import { presenceData } from './presence-data';
import type { PresenceLink } from './presence-link';

export interface SubscriptionsOptions {
  readonly registry: ChannelRegistry;
  readonly presence: PresenceLink;
  readonly logger: Logger;
  readonly cache: CacheStore;
  readonly webhooks: WebhookSink;
  readonly now: () => number;
}

export class Subscriptions {
  constructor(private readonly options: SubscriptionsOptions) {}

  async subscribe(connection: Connection, data: Record<string, unknown>): Promise<void> {
    const { app } = connection;
    const channel = data.channel;
    if (typeof channel !== 'string') throw ProtocolError.invalidFrame('pusher:subscribe needs data.channel');
    if (channel.startsWith(SERVER_TO_USER_PREFIX)) {
      this.subscribeServerToUser(connection, channel);
      return;
    }
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
      let attached: LocalChannel | undefined;
      if (!existing) {
        connection.subscriptions.set(channel, { established: false });
        const local = await this.options.registry.reserve(app.id, channel);
        if (connection.closed || connection.subscriptions.get(channel)?.established !== false) {
          this.options.registry.release(local);
          return;
        }
        this.options.registry.attach(local, connection, kind.cache);
        connection.subscriptions.set(channel, { established: true });
        attached = local;
      }
      connection.send(subscriptionSucceededFrame(channel));
      if (kind.cache) await this.replayCache(connection, channel, attached);
      return;
    }
    const joined = await this.joinPresence(connection, channel, presenceUser.userId, presenceUser.userInfo, Boolean(existing), kind.cache);
    if (joined && kind.cache) await this.replayCache(connection, channel, joined);
  }

  /**
   * pusher-js subscribes to `#server-to-user-<id>` after signing in; events for the user
   * reach the socket through its sign-in, so this only confirms it — for its own user only.
   */
  private subscribeServerToUser(connection: Connection, channel: string): void {
    if (connection.userId !== undefined && channel === `${SERVER_TO_USER_PREFIX}${connection.userId}`) {
      connection.send(subscriptionSucceededFrame(channel));
      return;
    }
    connection.send(subscriptionErrorFrame(channel, 'AuthError', `Sign in as the user to receive ${channel}`, 403));
  }

  /**
   * Cache channels: the last event right after subscription_succeeded, else pusher:cache_miss.
   * `held`: the channel where this socket was just attached with its live events held; they
   * follow the replay, so the socket never sees the cached event after a newer one.
   */
  private async replayCache(connection: Connection, channel: string, held?: LocalChannel): Promise<void> {
    const { app } = connection;
    let cached;
    try {
      cached = await this.options.cache.get(app.id, channel);
    } catch (err) {
      this.options.logger.warn({ err, channel }, 'cache store unavailable; reporting a cache miss');
    }
    const live = held ? this.options.registry.endReplayHold(held, connection) : [];
    if (connection.closed || !live) return;
    if (cached) {
      const frame = serverTextFrame(channelEventFrame(cached.name, channel, cached.data));
      // An event published after the subscription may already be what the cache holds.
      if (!live.some((f) => f.equals(frame))) connection.sendFramed(frame);
    } else {
      connection.send(cacheMissFrame(channel));
      if (wantsWebhook(app, 'cache_miss')) {
        this.options.webhooks.emit({ id: randomUUID(), appId: app.id, name: 'cache_miss', channel, timeMs: this.options.now() });
      }
    }
    for (const frame of live) connection.sendFramed(frame);
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

  /** Returns the channel the socket joined, or undefined when the join failed or was abandoned. */
  private async joinPresence(
    connection: Connection,
    channel: string,
    userId: string,
    userInfo: string,
    resubscribe: boolean,
    holdForReplay: boolean,
  ): Promise<LocalChannel | undefined> {
    const { app } = connection;
    const subscription = { userId, established: false };
    connection.subscriptions.set(channel, subscription);
    const local = await this.options.registry.reserve(app.id, channel);
    const outcome = await this.options.presence.join(app.id, channel, connection.socketId, userId, userInfo);
    if (connection.closed || connection.subscriptions.get(channel) !== subscription) {
      // Unsubscribed or disconnected while the join was in flight. If that happened before the
      // join was sent, its leave found no member and the join then added one: leave now (a
      // no-op when the leave already went out) — unless a newer subscription of this socket
      // owns the membership (same socket and channel: its own join and leave handle it).
      this.options.registry.release(local);
      if (outcome.ok && !connection.subscriptions.has(channel)) this.options.presence.leave(app.id, channel, connection.socketId);
      return undefined;
    }
    if (!outcome.ok) {
      this.options.registry.release(local);
      connection.subscriptions.delete(channel);
      if (resubscribe) this.options.registry.detach(app.id, channel, connection);
      connection.send(subscriptionErrorFrame(channel, 'PresenceError', outcome.reason, outcome.status));
      return undefined;
    }
    this.options.registry.attach(local, connection, holdForReplay);
    subscription.established = true;
    connection.send(subscriptionSucceededFrame(channel, presenceData(outcome.members)));
    return local;
  }
}
