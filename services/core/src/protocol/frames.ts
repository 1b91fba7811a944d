/**
 * The JSON frames of the Pusher protocol v7, built and parsed in one place.
 *
 * Pusher double-encodes: the `data` of `pusher:*` / `pusher_internal:*` server events is a
 * JSON *string*, and channel events carry `data` as a string too. `pusher:error` is the
 * exception: its data is an object.
 */
import { ProtocolError, type SubscriptionErrorType } from './errors';
import { WATCHLIST_EVENTS } from './internal-events';

export interface PresenceData {
  readonly ids: string[];
  readonly hash: Record<string, unknown>;
  readonly count: number;
}

export function connectionEstablishedFrame(socketId: string, activityTimeoutSeconds: number): string {
  const data = JSON.stringify({ socket_id: socketId, activity_timeout: activityTimeoutSeconds });
  return JSON.stringify({ event: 'pusher:connection_established', data });
}

export function errorFrame(code: number | null, message: string): string {
  return JSON.stringify({ event: 'pusher:error', data: { code, message } });
}

export function pongFrame(): string {
  return '{"event":"pusher:pong","data":"{}"}';
}

export function pingFrame(): string {
  return '{"event":"pusher:ping","data":"{}"}';
}

export function subscriptionSucceededFrame(channel: string, presence?: PresenceData): string {
  const data = presence ? JSON.stringify({ presence }) : '{}';
  return JSON.stringify({ event: 'pusher_internal:subscription_succeeded', channel, data });
}

/**
 * Sent when a subscription is refused. The data mirrors what pusher-js itself emits for a
 * failed authorisation (`{type, error, status}`), so apps handle both the same way.
 */
export function subscriptionErrorFrame(channel: string, type: SubscriptionErrorType, error: string, status: number): string {
  return JSON.stringify({ event: 'pusher:subscription_error', channel, data: { type, error, status } });
}

/** A channel event as delivered to sockets. `data` is passed through as the string it is. */
export function channelEventFrame(event: string, channel: string, data: string, userId?: string): string {
  if (userId) return JSON.stringify({ event, channel, data, user_id: userId });
  return JSON.stringify({ event, channel, data });
}

export function signinSuccessFrame(userData: string): string {
  return JSON.stringify({ event: 'pusher:signin_success', data: JSON.stringify({ user_data: userData }) });
}

/** A cache channel with nothing cached: sent right after subscription_succeeded instead of an event. */
export function cacheMissFrame(channel: string): string {
  return JSON.stringify({ event: 'pusher:cache_miss', channel });
}

/** An event for a signed-in user's sockets that is on no channel (watchlist events); `data` as the string it is. */
export function userEventFrame(event: string, data: string): string {
  return JSON.stringify({ event, data });
}

/** Which watched users came online or went offline, as Pusher's watchlist events carry it. */
export function watchlistEventsFrame(name: 'online' | 'offline', userIds: readonly string[]): string {
  return userEventFrame(WATCHLIST_EVENTS, JSON.stringify({ events: [{ name, user_ids: userIds }] }));
}

/** A frame received from a client, after the envelope has been checked. */
export interface ClientFrame {
  readonly event: string;
  readonly channel?: string;
  /** Objects for `pusher:*` events; anything JSON for client events. */
  readonly data: unknown;
}

/** Parses one text frame. Throws ProtocolError (code null) for anything that is not a Pusher frame. */
export function parseClientFrame(text: string): ClientFrame {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw ProtocolError.invalidFrame('Invalid JSON: frames must be UTF-8 JSON objects');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw ProtocolError.invalidFrame('Invalid frame: expected a JSON object with an "event" property');
  }
  const frame = parsed as Record<string, unknown>;
  if (typeof frame.event !== 'string' || frame.event.length === 0) {
    throw ProtocolError.invalidFrame('Invalid frame: "event" must be a non-empty string');
  }
  if (frame.channel !== undefined && typeof frame.channel !== 'string') {
    throw ProtocolError.invalidFrame('Invalid frame: "channel" must be a string');
  }
  let data = frame.data;
  // Some clients double-encode the data of pusher:* events; accept both forms.
  if (typeof data === 'string' && frame.event.startsWith('pusher:') && data.startsWith('{')) {
    try {
      data = JSON.parse(data);
    } catch {
      // leave it as the string it is; the handler reports what is missing
    }
  }
  return { event: frame.event, channel: frame.channel as string | undefined, data };
}

/** The data object of a `pusher:*` frame, or a ProtocolError naming the event. */
export function frameDataObject(frame: ClientFrame): Record<string, unknown> {
  if (typeof frame.data !== 'object' || frame.data === null || Array.isArray(frame.data)) {
    throw ProtocolError.invalidFrame(`Invalid ${frame.event}: "data" must be an object`);
  }
  return frame.data as Record<string, unknown>;
}
