/**
 * Validates triggered events against the app's limits and publishes them on the bus as
 * protobuf Events. A publish counts only once the bus confirms it: if it cannot, the
 * caller gets 503 — never 200 for an event that was not published.
 */
import { randomUUID } from 'node:crypto';
import type { App } from '../../core/src/apps/app-registry';
import type { Bus } from '../../core/src/bus/bus';
import { subjects } from '../../core/src/bus/subjects';
import type { Clock } from '../../core/src/clock';
import { encodeEvent } from '../../core/src/codec/event-codec';
import { classifyChannel, publishChannelNameProblem, SERVER_TO_USER_PREFIX } from '../../core/src/protocol/channel-names';
import type { CacheStore } from '../../core/src/stores/cache-store';
import { apiEventNameProblem } from '../../core/src/protocol/event-names';
import { TERMINATE_CONNECTIONS_EVENT } from '../../core/src/protocol/internal-events';
import { HttpError } from './http-error';

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
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw HttpError.badRequest('Expected a JSON object');
  const b = body as Record<string, unknown>;
  const nameProblem = apiEventNameProblem(b.name, app.limits.maxEventNameLength);
  if (nameProblem) throw HttpError.badRequest(nameProblem);
  if (b.data === undefined || b.data === null) throw HttpError.badRequest('"data" is required');
  // Pusher's SDKs send data as a string; other clients sometimes send JSON — relay it as text.
  const data = typeof b.data === 'string' ? b.data : JSON.stringify(b.data);
  const size = Buffer.byteLength(data);
  if (size > app.limits.maxEventPayloadBytes) {
    throw new HttpError(413, `Event data is ${size} bytes; the limit is ${app.limits.maxEventPayloadBytes} bytes`);
  }

  let channels: string[];
  if (batchItem || b.channels === undefined) {
    if (typeof b.channel !== 'string') throw HttpError.badRequest(batchItem ? '"channel" is required' : '"channels" or "channel" is required');
    channels = [b.channel];
  } else {
    if (!Array.isArray(b.channels) || b.channels.length === 0) throw HttpError.badRequest('"channels" must be a non-empty array of channel names');
    channels = b.channels as string[];
  }
  if (channels.length > app.limits.maxChannelsPerTrigger) {
    throw HttpError.badRequest(`Too many channels: ${channels.length}; the limit is ${app.limits.maxChannelsPerTrigger}`);
  }
  for (const channel of channels) {
    const problem = publishChannelNameProblem(channel, app.limits.maxChannelNameLength);
    if (problem) throw HttpError.badRequest(problem);
  }
  if (b.socket_id !== undefined && (typeof b.socket_id !== 'string' || !SOCKET_ID.test(b.socket_id))) {
    throw HttpError.badRequest('"socket_id" must look like "123.456"');
  }
  const info = readInfo(b.info);
  return { name: b.name as string, data, channels: [...new Set(channels)], socketId: b.socket_id as string | undefined, info };
}

export const INFO_ATTRIBUTES = ['user_count', 'subscription_count'] as const;

/** `info=user_count,subscription_count` → the attribute list; unknown attributes are a 400. */
export function readInfo(value: unknown): string[] {
  if (value === undefined || value === '') return [];
  if (typeof value !== 'string') throw HttpError.badRequest('"info" must be a comma-separated string');
  const attributes = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const a of attributes) {
    if (!(INFO_ATTRIBUTES as readonly string[]).includes(a)) {
      throw HttpError.badRequest(`Unknown info attribute ${JSON.stringify(a)}; available: ${INFO_ATTRIBUTES.join(', ')}`);
    }
  }
  return attributes;
}

export class EventPublisher {
  constructor(
    private readonly bus: Bus,
    private readonly clock: Clock,
    private readonly confirmTimeoutMs: number,
    private readonly cache: CacheStore,
  ) {}

  /** Publishes every event and waits until the bus has them. */
  async publish(app: App, triggers: readonly TriggerRequest[]): Promise<void> {
    if (!this.bus.isConnected()) throw new HttpError(503, 'Event not published: the message bus is unavailable');
    const publishedAtMs = this.clock.now();
    await this.rememberForCacheChannels(app, triggers);
    try {
      for (const trigger of triggers) {
        for (const channel of trigger.channels) {
          const subject = channel.startsWith(SERVER_TO_USER_PREFIX)
            ? subjects.user(app.id, channel.slice(SERVER_TO_USER_PREFIX.length))
            : subjects.channel(app.id, channel);
          this.bus.publish(
            subject,
            encodeEvent({
              id: randomUUID(),
              appId: app.id,
              channel,
              name: trigger.name,
              data: trigger.data,
              excludeSocketId: trigger.socketId ?? '',
              publishedAtMs,
            }),
          );
        }
      }
      await this.bus.flush(this.confirmTimeoutMs);
    } catch (err) {
      throw new HttpError(503, `Event not confirmed by the message bus: ${(err as Error).message}`);
    }
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
      throw new HttpError(503, `Event not published: the cache channel store is unavailable (${(err as Error).message})`);
    }
  }

  /** Closes every connection of a signed-in user, on every gateway. */
  async terminateUserConnections(app: App, userId: string): Promise<void> {
    if (!this.bus.isConnected()) throw new HttpError(503, 'Not published: the message bus is unavailable');
    try {
      this.bus.publish(
        subjects.user(app.id, userId),
        encodeEvent({ id: randomUUID(), appId: app.id, channel: '', name: TERMINATE_CONNECTIONS_EVENT, data: '', publishedAtMs: this.clock.now() }),
      );
      await this.bus.flush(this.confirmTimeoutMs);
    } catch (err) {
      throw new HttpError(503, `Not confirmed by the message bus: ${(err as Error).message}`);
    }
  }
}
