/**
 * Webhooks from membership changes: channel_occupied / channel_vacated and member_added /
 * member_removed. As Pusher does, vacated and removed are held for 3 s and dropped —
 * together with the occupied/added that cancels them — if the channel or user comes back,
 * so a page reload does not flap. The departure is held whenever the app wants either
 * event of the pair: an app that only wants arrivals must not hear a reload as a second
 * arrival. Ids derive from the cause, so every replica produces the same id and the queue
 * keeps one copy. channel_occupied and member_added caused by a traced join carry that
 * replica's join span context (join-spans.ts).
 */
import type { AppRegistry } from '../../core/src/apps/app-registry';
import type { Clock, ClockTimer } from '../../core/src/clock';
import type { WebhookEventMessage } from '../../core/src/codec/messages';
import type { WebhookEventName } from '../../core/src/config/app-schema';
import type { Logger } from '../../core/src/logging/logger';
import { safely } from '../../core/src/logging/safely';
import { type WebhookSink, wantsWebhook } from '../../core/src/webhooks/webhook-sink';
import type { ChangeTraces } from './join-spans';
import type { MembershipChange } from './membership';

const WEBHOOK_HOLD_MS = 3000;

export class PresenceWebhooks {
  private readonly held = new Map<string, ClockTimer>();

  constructor(
    private readonly sink: WebhookSink,
    private readonly apps: AppRegistry,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly holdMs = WEBHOOK_HOLD_MS,
  ) {}

  handle(changes: readonly MembershipChange[], cause: string, traces?: ChangeTraces): void {
    for (const change of changes) {
      const app = this.apps.byId(change.appId);
      const context = traces?.get(change);
      switch (change.kind) {
        case 'occupied':
          if (this.cancel(`vacated|${change.appId}|${change.channel}`)) break;
          if (wantsWebhook(app, 'channel_occupied')) this.emit(cause, { appId: change.appId, name: 'channel_occupied', channel: change.channel, ...context });
          break;
        case 'vacated':
          if (wantsWebhook(app, 'channel_vacated') || wantsWebhook(app, 'channel_occupied')) {
            this.hold(`vacated|${change.appId}|${change.channel}`, cause, { appId: change.appId, name: 'channel_vacated', channel: change.channel });
          }
          break;
        case 'member_added':
          if (this.cancel(`removed|${change.appId}|${change.channel}|${change.userId}`)) break;
          if (wantsWebhook(app, 'member_added')) {
            this.emit(cause, { appId: change.appId, name: 'member_added', channel: change.channel, userId: change.userId, ...context });
          }
          break;
        case 'member_removed':
          if (wantsWebhook(app, 'member_removed') || wantsWebhook(app, 'member_added')) {
            this.hold(`removed|${change.appId}|${change.channel}|${change.userId}`, cause, {
              appId: change.appId,
              name: 'member_removed',
              channel: change.channel,
              userId: change.userId,
            });
          }
          break;
        default:
          break;
      }
    }
  }

  stop(): void {
    for (const timer of this.held.values()) this.clock.clearTimeout(timer);
    this.held.clear();
  }

  /** Holds a departure; when the hold ends, it is sent if the app (still) wants it. */
  private hold(key: string, cause: string, event: WebhookEventMessage & { name: WebhookEventName }): void {
    this.cancel(key);
    const timer = this.clock.setTimeout(
      safely(this.logger, 'held webhook', () => {
        this.held.delete(key);
        if (wantsWebhook(this.apps.byId(event.appId ?? ''), event.name)) this.emit(cause, event);
      }),
      this.holdMs,
    );
    timer.unref();
    this.held.set(key, timer);
  }

  /** Drops a held event; true when there was one. */
  private cancel(key: string): boolean {
    const timer = this.held.get(key);
    if (!timer) return false;
    this.clock.clearTimeout(timer);
    this.held.delete(key);
    return true;
  }

  private emit(cause: string, event: WebhookEventMessage): void {
    this.sink.emit({
      ...event,
      id: `${cause}|${event.name}|${event.appId}|${event.channel}|${event.userId ?? ''}`,
      timeMs: this.clock.now(),
    });
  }
}
