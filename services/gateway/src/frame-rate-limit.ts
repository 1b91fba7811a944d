/**
 * The per-connection budget for every frame a client sends: text frames of every event
 * (ping, subscribe, unsubscribe, signin, client events, frames Herald cannot use), binary
 * frames and WebSocket pings and pongs. A token bucket per connection: it holds the app's
 * `frameBurst` frames and refills at `framesPerSecond`, so a client may send a burst at once
 * (pusher-js resubscribing everything at reconnect) and then that many per second.
 *
 * Over the budget a frame is not handled. The first refused frame is answered with
 * pusher:error 4301 and the connection stays open; refused frames still spend tokens, so the
 * bucket goes into debt and a client is served again only once it slows down below the rate.
 * One that keeps sending until its debt reaches a whole burst is closed with 4100, which
 * tells Pusher clients to back off before reconnecting.
 *
 * The hot path: a few arithmetic operations per frame on the time the gateway read for it
 * anyway; no timers, no allocation.
 */
import type { AppLimits } from '../../core/src/config/app-schema';
import { PusherErrors } from '../../core/src/protocol/errors';
import type { Connection } from './connection';

/** What became of a frame over the budget: answered with 4301, dropped without a word, or the connection closed. */
export type FrameRefusal = 'rejected' | 'dropped' | 'closed';

/** The bucket's refill rate for an app: client events are frames too, so their own limit must be reachable. */
export function framesPerSecondOf(limits: AppLimits): number {
  return Math.max(limits.framesPerSecond, limits.clientEventsPerSecond);
}

/** The bucket's size for an app: a reconnect resubscribes every channel at once, with room for signin and pings. */
export function frameBurstOf(limits: AppLimits): number {
  return Math.max(limits.frameBurst, 2 * limits.maxSubscriptionsPerConnection);
}

export class FrameRateLimit {
  constructor(
    /** Told about every refused frame (metrics). */
    private readonly onRefused: (connection: Connection, refusal: FrameRefusal) => void,
  ) {}

  /**
   * Whether the connection may have this frame handled; spends one token either way. `now` is
   * the gateway clock's time of the frame, read once for it (the activity monitor uses it too).
   */
  admit(connection: Connection, now: number): boolean {
    if (connection.closed) return false;
    const { limits } = connection.app;
    const perSecond = framesPerSecondOf(limits);
    const burst = frameBurstOf(limits);
    // A clock that steps back (NTP) refills nothing rather than draining the bucket.
    const elapsed = now > connection.frameTokensAt ? now - connection.frameTokensAt : 0;
    let tokens = connection.frameTokens + (elapsed * perSecond) / 1000;
    if (tokens > burst) tokens = burst;
    connection.frameTokensAt = now;
    connection.frameTokens = tokens - 1;
    if (tokens >= 1) {
      connection.frameLimited = false;
      return true;
    }
    if (connection.frameTokens <= -burst) {
      connection.frameTokens = -burst;
      this.onRefused(connection, 'closed');
      connection.cutOff(PusherErrors.frameFlood);
      return false;
    }
    // Told once per episode: answering every refused frame would be the unbounded work itself.
    if (connection.frameLimited) {
      this.onRefused(connection, 'dropped');
      return false;
    }
    connection.frameLimited = true;
    this.onRefused(connection, 'rejected');
    connection.fail(PusherErrors.frameRateLimit, `at most ${perSecond} frames per second, bursts of ${burst}; slow down`);
    return false;
  }
}
