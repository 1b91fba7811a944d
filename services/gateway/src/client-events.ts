/**
 * Client events (`client-*`): only on private and presence channels (never encrypted), only
 * by sockets subscribed to the channel, only when the app enables them, at most N per
 * second per connection (4301 beyond). They go out on the bus like any other event, with
 * the sender excluded, and carry `user_id` on presence channels, as Pusher sends them.
 */

import { randomUUID } from 'node:crypto';
import type { Bus } from '../../core/src/bus/bus';
import { subjects } from '../../core/src/bus/subjects';
import type { Clock } from '../../core/src/clock';
import { encodeEvent } from '../../core/src/codec/event-codec';
import { classifyChannel } from '../../core/src/protocol/channel-names';
import { ProtocolError, PusherErrors } from '../../core/src/protocol/errors';
import type { ClientFrame } from '../../core/src/protocol/frames';
import { exceedsJsonDepth, MAX_JSON_DEPTH } from '../../core/src/protocol/json-depth';
import type { CacheStore } from '../../core/src/stores/cache-store';
import { traceCarrier } from '../../core/src/tracing/event-trace-context';
import { startPublishSpan } from '../../core/src/tracing/publish-span';
import { ATTR_HERALD_SOCKET_ID } from '../../core/src/tracing/span-attributes';
import type { Tracing } from '../../core/src/tracing/tracing';
import { type WebhookSink, wantsWebhook } from '../../core/src/webhooks/webhook-sink';
import type { Connection } from './connection';

export interface ClientEventsOptions {
  readonly bus: Bus;
  readonly clock: Clock;
  readonly webhooks: WebhookSink;
  readonly cache: CacheStore;
  /** Hears about failures to store a cache channel's last event. */
  readonly onCacheError: (err: unknown, channel: string) => void;
  /** With tracing on, each client event starts a trace (as the sampler decides) that its deliveries and webhook continue. */
  readonly tracing: Tracing;
}

export class ClientEvents {
  constructor(private readonly options: ClientEventsOptions) {}

  handle(connection: Connection, frame: ClientFrame): void {
    const { app } = connection;
    const channel = frame.channel;
    if (!app.clientEvents) {
      throw ProtocolError.invalidFrame('To send client events, you must enable this feature for the app (clientEvents: true)');
    }
    if (typeof channel !== 'string') throw ProtocolError.invalidFrame(`Client event ${frame.event} needs a "channel"`);
    if (frame.event.length > app.limits.maxEventNameLength) {
      throw ProtocolError.invalidFrame(`Event name too long: ${frame.event.length} characters, the limit is ${app.limits.maxEventNameLength}`);
    }
    const kind = classifyChannel(channel);
    if (kind.type !== 'private' && kind.type !== 'presence') {
      throw ProtocolError.invalidFrame(`Client events are only allowed on private and presence channels, not on ${channel}`);
    }
    const subscription = connection.subscriptions.get(channel);
    if (!subscription?.established) throw ProtocolError.invalidFrame(`Client event rejected: not subscribed to ${channel}`);
    if (!this.withinRate(connection)) throw new ProtocolError(PusherErrors.clientEventRateLimit);

    // The frame's size was checked by ws (maxFrameBytes); its depth is checked before re-serialising.
    if (typeof frame.data !== 'string' && exceedsJsonDepth(frame.data)) {
      throw ProtocolError.invalidFrame(`Client event data is nested more than ${MAX_JSON_DEPTH} levels deep`);
    }
    const data = typeof frame.data === 'string' ? frame.data : JSON.stringify(frame.data ?? null);
    const size = Buffer.byteLength(data);
    if (size > app.limits.maxEventPayloadBytes) {
      throw ProtocolError.invalidFrame(`Client event data is ${size} bytes; the limit is ${app.limits.maxEventPayloadBytes}`);
    }
    const userId = kind.type === 'presence' ? subscription.userId : undefined;
    const now = this.options.clock.now();
    if (kind.cache) {
      this.options.cache.set(app.id, channel, { name: frame.event, data }, app.limits.cacheTtlSeconds).catch((err: unknown) => this.options.onCacheError(err, channel));
    }
    const id = randomUUID();
    const { tracing, bus } = this.options;
    const span = tracing.enabled ? startPublishSpan(tracing, bus.messagingSystem, { id, appId: app.id, channel, name: frame.event, dataBytes: size, toUser: false }) : undefined;
    if (span) span.setAttribute(ATTR_HERALD_SOCKET_ID, connection.socketId);
    const carrier = span ? traceCarrier(span.spanContext()) : undefined;
    bus.publish(
      subjects.channel(app.id, channel),
      encodeEvent({
        id,
        appId: app.id,
        channel,
        name: frame.event,
        data,
        excludeSocketId: connection.socketId,
        publishedAtMs: now,
        userId: userId ?? '',
        ...carrier,
      }),
    );
    span?.end();
    if (wantsWebhook(app, 'client_event')) {
      this.options.webhooks.emit({
        id: randomUUID(),
        appId: app.id,
        name: 'client_event',
        channel,
        event: frame.event,
        data,
        socketId: connection.socketId,
        userId: userId ?? '',
        timeMs: now,
        ...carrier,
      });
    }
  }

  /** A fixed one-second window per connection: cheap, and what "N per second" means to users. */
  private withinRate(connection: Connection): boolean {
    const now = this.options.clock.now();
    if (now - connection.clientEventWindowStart >= 1000) {
      connection.clientEventWindowStart = now;
      connection.clientEventCount = 0;
    }
    if (connection.clientEventCount >= connection.app.limits.clientEventsPerSecond) return false;
    connection.clientEventCount += 1;
    return true;
  }
}
