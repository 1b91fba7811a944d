/**
 * `pusher_internal:subscription_count` for apps that enable it: the cluster-wide number of
 * subscriptions of a non-presence channel, sent to its subscribers when it changes — at most
 * once per interval per channel, always ending on the latest count — plus the
 * `subscription_count` webhook. Every replica hears the same changes, so the id names the
 * state (the count and how many changes led to it), not the moment: two replicas that send
 * the same state send the same id, and gateways and webhook receivers keep one copy.
 */
import type { AppRegistry } from '../../core/src/apps/app-registry';
import type { Bus } from '../../core/src/bus/bus';
import { subjects } from '../../core/src/bus/subjects';
import type { Clock, ClockTimer } from '../../core/src/clock';
import { encodeEvent } from '../../core/src/codec/event-codec';
import type { Logger } from '../../core/src/logging/logger';
import { safely } from '../../core/src/logging/safely';
import { classifyChannel } from '../../core/src/protocol/channel-names';
import { type WebhookSink, wantsWebhook } from '../../core/src/webhooks/webhook-sink';

interface ChannelState {
  latest: number;
  /** Changes seen since the channel was last empty: the same on every replica. */
  version: number;
  sent: number;
  sentAt: number;
  timer: ClockTimer | undefined;
}

export class SubscriptionCounts {
  private readonly channels = new Map<string, ChannelState>();

  constructor(
    private readonly bus: Bus,
    private readonly sink: WebhookSink,
    private readonly apps: AppRegistry,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly intervalMs = 1000,
  ) {}

  changed(appId: string, channel: string, count: number): void {
    const app = this.apps.byId(appId);
    if (!app?.subscriptionCountEvents || classifyChannel(channel).type === 'presence') return;
    const key = `${appId}\u0000${channel}`;
    let state = this.channels.get(key);
    if (!state) {
      state = { latest: count, version: 0, sent: -1, sentAt: 0, timer: undefined };
      this.channels.set(key, state);
    }
    state.latest = count;
    state.version += 1;
    if (state.timer) return;
    const wait = Math.max(0, state.sentAt + this.intervalMs - this.clock.now());
    const current = state;
    current.timer = this.clock.setTimeout(
      safely(this.logger, 'subscription count', () => this.flush(appId, channel, key, current)),
      wait,
    );
    current.timer.unref();
  }

  stop(): void {
    for (const state of this.channels.values()) this.clock.clearTimeout(state.timer);
    this.channels.clear();
  }

  private flush(appId: string, channel: string, key: string, state: ChannelState): void {
    state.timer = undefined;
    const count = state.latest;
    if (count === state.sent) return;
    const now = this.clock.now();
    state.sent = count;
    state.sentAt = now;
    const id = `subscription_count|${appId}|${channel}|${count}|v${state.version}`;
    if (count > 0) {
      this.bus.publish(
        subjects.channel(appId, channel),
        encodeEvent({
          id,
          appId,
          channel,
          name: 'pusher_internal:subscription_count',
          data: JSON.stringify({ subscription_count: count }),
          publishedAtMs: now,
          replicated: true,
        }),
      );
    } else {
      this.channels.delete(key);
    }
    if (wantsWebhook(this.apps.byId(appId), 'subscription_count')) {
      this.sink.emit({ id, appId, name: 'subscription_count', channel, subscriptionCount: count, timeMs: now });
    }
  }
}
