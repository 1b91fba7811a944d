/**
 * Cache channels (`cache-`, `private-cache-`, `private-encrypted-cache-`, `presence-cache-`):
 * right after subscription_succeeded the socket gets the channel's last event, or
 * `pusher:cache_miss` (and the app's cache_miss webhook) when there is none.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../../core/src/logging/logger';
import { cacheMissFrame, channelEventFrame } from '../../core/src/protocol/frames';
import { serverTextFrame } from '../../core/src/protocol/websocket-frame';
import type { CacheStore } from '../../core/src/stores/cache-store';
import { type WebhookSink, wantsWebhook } from '../../core/src/webhooks/webhook-sink';
import type { ChannelRegistry, LocalChannel } from './channel-registry';
import type { Connection } from './connection';

export interface CacheReplayOptions {
  readonly registry: ChannelRegistry;
  readonly cache: CacheStore;
  readonly webhooks: WebhookSink;
  readonly logger: Logger;
  readonly now: () => number;
}

export class CacheReplay {
  constructor(private readonly options: CacheReplayOptions) {}

  /**
   * `held`: the channel where this socket was just attached with its live events held; they
   * follow the replay, so the socket never sees the cached event after a newer one.
   */
  async replay(connection: Connection, channel: string, held?: LocalChannel): Promise<void> {
    const { app } = connection;
    let cached: Awaited<ReturnType<typeof this.options.cache.get>>;
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
      if (!live.some((f) => f.equals(frame))) connection.sendOneFramed(frame);
    } else {
      connection.send(cacheMissFrame(channel));
      if (wantsWebhook(app, 'cache_miss')) {
        this.options.webhooks.emit({ id: randomUUID(), appId: app.id, name: 'cache_miss', channel, timeMs: this.options.now() });
      }
    }
    for (const frame of live) connection.sendOneFramed(frame);
  }
}
