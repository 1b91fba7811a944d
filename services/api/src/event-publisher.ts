/**
 * Validates triggered events against the app's limits and publishes them as protobuf Events
 * through the event journal. A publish counts only once the journal confirms it (stored for
 * replay in cluster mode, on the bus in embedded mode): if it cannot, the caller gets 503 —
 * never 200 for an event that could still be lost.
 */

import { randomUUID } from 'node:crypto';
import type { Context } from '@opentelemetry/api';
import type { App } from '../../core/src/apps/app-registry';
import type { Bus } from '../../core/src/bus/bus';
import { subjects } from '../../core/src/bus/subjects';
import type { Clock } from '../../core/src/clock';
import { encodeEvent } from '../../core/src/codec/event-codec';
import type { EventJournal, JournalEntry } from '../../core/src/journal/event-journal';
import { classifyChannel, publishChannelNameProblem, SERVER_TO_USER_PREFIX } from '../../core/src/protocol/channel-names';
import { apiEventNameProblem } from '../../core/src/protocol/event-names';
import { TERMINATE_CONNECTIONS_EVENT } from '../../core/src/protocol/internal-events';
import { exceedsJsonDepth, MAX_JSON_DEPTH } from '../../core/src/protocol/json-depth';
import type { CacheStore } from '../../core/src/stores/cache-store';
import type { Tracing } from '../../core/src/tracing/tracing';
import { apiErrors } from './api-errors';
import { PublishSpans } from './publish-spans';

const SOCKET_ID = /^\d+\.\d+$/;

export interface TriggerRequest {
  readonly name: string;
  readonly data: string;
  readonly channels: string[];
  readonly socketId?: string;
  readonly info: string[];
}

/** Reads one event (`/events` body or one `batch` item) into a checked TriggerRequest. */
export function readTrigger(body: unknown, app: App, batchItem: boolean): TriggerRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw apiErrors.notAnObject();
  const b = body as Record<string, unknown>;
  const nameProblem = apiEventNameProblem(b.name, app.limits.maxEventNameLength);
  if (nameProblem) throw apiErrors.invalidEventName({ problem: nameProblem });
  if (b.data === undefined || b.data === null) throw apiErrors.missingData();
  // Pusher's SDKs send data as a string; other clients sometimes send JSON — relay it as text,
  // once it is known to be shallow enough to serialise (the body size was checked already).
  if (typeof b.data !== 'string' && exceedsJsonDepth(b.data)) throw apiErrors.dataTooDeep({ limit: MAX_JSON_DEPTH });
  const data = typeof b.data === 'string' ? b.data : JSON.stringify(b.data);
  const size = Buffer.byteLength(data);
  if (size > app.limits.maxEventPayloadBytes) {
    throw apiErrors.eventTooLarge({ size, limit: app.limits.maxEventPayloadBytes });
  }

  let channels: string[];
  if (batchItem || b.channels === undefined) {
    if (typeof b.channel !== 'string') throw batchItem ? apiErrors.missingChannel() : apiErrors.missingChannels();
    channels = [b.channel];
  } else {
    if (!Array.isArray(b.channels) || b.channels.length === 0) throw apiErrors.invalidChannels();
    channels = b.channels as string[];
  }
  if (channels.length > app.limits.maxChannelsPerTrigger) {
    throw apiErrors.tooManyChannels({ count: channels.length, limit: app.limits.maxChannelsPerTrigger });
  }
  for (const channel of channels) {
    const problem = publishChannelNameProblem(channel, app.limits.maxChannelNameLength);
    if (problem) throw apiErrors.invalidChannelName({ problem });
  }
  if (b.socket_id !== undefined && (typeof b.socket_id !== 'string' || !SOCKET_ID.test(b.socket_id))) {
    throw apiErrors.invalidSocketId();
  }
  const info = readInfo(b.info);
  return { name: b.name as string, data, channels: [...new Set(channels)], socketId: b.socket_id as string | undefined, info };
}

const INFO_ATTRIBUTES = ['user_count', 'subscription_count'] as const;

/** `info=user_count,subscription_count` → the attribute list; unknown attributes are a 400. */
export function readInfo(value: unknown): string[] {
  if (value === undefined || value === '') return [];
  if (typeof value !== 'string') throw apiErrors.invalidInfo();
  const attributes = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const a of attributes) {
    if (!(INFO_ATTRIBUTES as readonly string[]).includes(a)) {
      throw apiErrors.unknownInfoAttribute({ attribute: JSON.stringify(a), available: INFO_ATTRIBUTES.join(', ') });
    }
  }
  return attributes;
}

export class EventPublisher {
  /** Publishes (and terminate_connections) that have not had their answer yet. */
  private inFlight = 0;
  private refusing = false;
  /** Called when inFlight drops to 0 while draining. */
  private onIdle: (() => void) | undefined;
  private idle: Promise<void> | undefined;

  constructor(
    private readonly bus: Bus,
    private readonly journal: EventJournal,
    private readonly clock: Clock,
    private readonly confirmTimeoutMs: number,
    private readonly cache: CacheStore,
    private readonly tracing: Tracing,
  ) {}

  /**
   * From now on every publish is refused (503, the server is shutting down, so the caller
   * retries on another api); resolves once the publishes under way have their answer.
   */
  async drain(): Promise<void> {
    this.refusing = true;
    if (this.inFlight === 0) return;
    this.idle ??= new Promise<void>((resolve) => {
      this.onIdle = resolve;
    });
    await this.idle;
  }

  /** Publishes every event and waits until the bus has them; `trace` is the request's span context (tracing on). */
  async publish(app: App, triggers: readonly TriggerRequest[], trace?: Context): Promise<void> {
    this.admit();
    try {
      await this.publishNow(app, triggers, trace);
    } finally {
      this.settle();
    }
  }

  /** Closes every connection of a signed-in user, on every gateway. */
  async terminateUserConnections(app: App, userId: string): Promise<void> {
    this.admit();
    try {
      await this.terminateNow(app, userId);
    } finally {
      this.settle();
    }
  }

  private admit(): void {
    if (this.refusing) throw apiErrors.serverClosing();
    this.inFlight += 1;
  }

  private settle(): void {
    this.inFlight -= 1;
    if (this.inFlight === 0) this.onIdle?.();
  }

  private async publishNow(app: App, triggers: readonly TriggerRequest[], trace: Context | undefined): Promise<void> {
    if (!this.bus.isConnected()) throw apiErrors.busUnavailable();
    const publishedAtMs = this.clock.now();
    await this.rememberForCacheChannels(app, triggers);
    const spans = this.tracing.enabled && trace ? new PublishSpans(this.tracing, trace, this.bus.messagingSystem) : undefined;
    const entries: JournalEntry[] = [];
    for (const trigger of triggers) {
      for (const channel of trigger.channels) {
        const toUser = channel.startsWith(SERVER_TO_USER_PREFIX);
        const subject = toUser ? subjects.user(app.id, channel.slice(SERVER_TO_USER_PREFIX.length)) : subjects.channel(app.id, channel);
        const id = randomUUID();
        const carrier = spans?.start({ id, appId: app.id, channel, name: trigger.name, dataBytes: Buffer.byteLength(trigger.data), toUser });
        const data = encodeEvent({
          id,
          appId: app.id,
          channel,
          name: trigger.name,
          data: trigger.data,
          excludeSocketId: trigger.socketId ?? '',
          publishedAtMs,
          ...carrier,
        });
        entries.push({ subject, data });
      }
    }
    try {
      await this.journal.publish(entries, this.confirmTimeoutMs);
    } catch (err) {
      spans?.failed(err as Error);
      throw apiErrors.publishUnconfirmed({ reason: (err as Error).message });
    }
    spans?.confirmed();
  }

  /** Cache channels keep their last event; stored before publishing so a new subscriber cannot miss it. */
  private async rememberForCacheChannels(app: App, triggers: readonly TriggerRequest[]): Promise<void> {
    const writes: Array<Promise<void>> = [];
    for (const trigger of triggers) {
      for (const channel of trigger.channels) {
        if (channel.startsWith(SERVER_TO_USER_PREFIX) || !classifyChannel(channel).cache) continue;
        writes.push(this.cache.set(app.id, channel, { name: trigger.name, data: trigger.data }, app.limits.cacheTtlSeconds));
      }
    }
    try {
      await Promise.all(writes);
    } catch (err) {
      throw apiErrors.cacheStoreUnavailable({ reason: (err as Error).message });
    }
  }

  private async terminateNow(app: App, userId: string): Promise<void> {
    if (!this.bus.isConnected()) throw apiErrors.terminateBusUnavailable();
    const data = encodeEvent({ id: randomUUID(), appId: app.id, channel: '', name: TERMINATE_CONNECTIONS_EVENT, data: '', publishedAtMs: this.clock.now() });
    try {
      await this.journal.publish([{ subject: subjects.user(app.id, userId), data }], this.confirmTimeoutMs);
    } catch (err) {
      throw apiErrors.terminateUnconfirmed({ reason: (err as Error).message });
    }
  }
}
