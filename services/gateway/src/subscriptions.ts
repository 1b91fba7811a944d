/**
 * pusher:subscribe and pusher:unsubscribe. A subscribe is checked (frame, name, signature)
 * and handed to the join for its channel type: ChannelJoin (public, private, encrypted),
 * PresenceJoin, or the sign-in's own `#server-to-user-` channel; at most the app's
 * maxSubscriptionsPerConnection channels per socket. A refused subscription throws
 * SubscriptionRefused, which the FrameHandler turns into `pusher:subscription_error`; the
 * socket stays usable. With tracing on, a subscribe that needs a signature is a
 * `pusher:subscribe {channel_type}` span, and a presence join carries its context (gateway-spans.ts).
 */

import type { Logger } from '../../core/src/logging/logger';
import { type ChannelKind, channelNameProblem, classifyChannel, requiresAuth, SERVER_TO_USER_PREFIX } from '../../core/src/protocol/channel-names';
import { ProtocolError, SubscriptionRefused } from '../../core/src/protocol/errors';
import { subscriptionSucceededFrame } from '../../core/src/protocol/frames';
import type { CacheStore } from '../../core/src/stores/cache-store';
import type { TraceCarrier } from '../../core/src/tracing/event-trace-context';
import type { Tracing } from '../../core/src/tracing/tracing';
import type { WebhookSink } from '../../core/src/webhooks/webhook-sink';
import { CacheReplay } from './cache-replay';
import { authorizePresence, authorizePrivate } from './channel-auth';
import { ChannelJoin } from './channel-join';
import type { ChannelRegistry } from './channel-registry';
import type { Connection, Subscription } from './connection';
import { GatewaySpans } from './gateway-spans';
import { PresenceJoin } from './presence-join';
import type { PresenceLink } from './presence-link';

export interface SubscriptionsOptions {
  readonly registry: ChannelRegistry;
  readonly presence: PresenceLink;
  readonly logger: Logger;
  readonly cache: CacheStore;
  readonly webhooks: WebhookSink;
  readonly now: () => number;
  /** Spans for authorised subscribes (default: off). */
  readonly tracing?: Tracing;
}

const DONE = Promise.resolve();

export class Subscriptions {
  private readonly channels: ChannelJoin;
  private readonly presenceChannels: PresenceJoin;
  /** With tracing on only. */
  private readonly spans: GatewaySpans | undefined;

  constructor(private readonly options: SubscriptionsOptions) {
    const cacheReplay = new CacheReplay(options);
    this.channels = new ChannelJoin(options.registry, cacheReplay);
    this.presenceChannels = new PresenceJoin(options.registry, options.presence, cacheReplay);
    this.spans = options.tracing?.enabled ? new GatewaySpans(options.tracing.tracer) : undefined;
  }

  /**
   * Checks the request at once — a refusal throws here, before the next frame is handled —
   * and returns the join, which can still be refused (by the presence service).
   */
  subscribe(connection: Connection, data: Record<string, unknown>): Promise<void> {
    const channel = data.channel;
    if (typeof channel !== 'string') throw ProtocolError.invalidFrame('pusher:subscribe needs data.channel');
    if (channel.startsWith(SERVER_TO_USER_PREFIX)) {
      confirmServerToUser(connection, channel);
      return DONE;
    }
    const nameProblem = channelNameProblem(channel, connection.app.limits.maxChannelNameLength);
    if (nameProblem) throw SubscriptionRefused.invalidChannelName(channel, nameProblem);
    const existing = connection.subscriptions.get(channel);
    if (existing && !existing.established) return DONE; // a join is already on its way
    const kind = classifyChannel(channel);
    if (this.spans && requiresAuth(kind)) {
      return this.spans.subscribe(connection, channel, kind.type, (context) => this.admit(connection, channel, data, kind, existing, context));
    }
    return this.admit(connection, channel, data, kind, existing);
  }

  /** The limit, the signature, then the join; `context` is the subscribe span's, for the presence join to carry. */
  private admit(
    connection: Connection,
    channel: string,
    data: Record<string, unknown>,
    kind: ChannelKind,
    existing: Subscription | undefined,
    context?: TraceCarrier,
  ): Promise<void> {
    // Counted before the signature is checked: a refusal costs no HMAC. Joins still on their way count.
    const limit = connection.app.limits.maxSubscriptionsPerConnection;
    if (!existing && connection.subscriptions.size >= limit) {
      throw SubscriptionRefused.limitReached(channel, `Too many subscriptions: this connection has the maximum of ${limit} channels; unsubscribe from one first`);
    }
    if (kind.type === 'presence') return this.presenceChannels.join(connection, channel, kind.cache, authorizePresence(connection, channel, data), context);
    if (requiresAuth(kind)) authorizePrivate(connection, channel, data);
    return this.channels.join(connection, channel, kind.cache);
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
}

/**
 * pusher-js subscribes to `#server-to-user-<id>` after signing in; events for the user reach
 * the socket through its sign-in, so this only confirms it — for its own user only.
 */
function confirmServerToUser(connection: Connection, channel: string): void {
  if (connection.userId === undefined || channel !== `${SERVER_TO_USER_PREFIX}${connection.userId}`) {
    throw SubscriptionRefused.auth(channel, `Sign in as the user to receive ${channel}`, 403);
  }
  connection.send(subscriptionSucceededFrame(channel));
}
