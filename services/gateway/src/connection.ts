/**
 * One client's connection and the little state the gateway keeps about it. Kept small: an
 * idle gateway holds tens of thousands of these. What reaches the socket goes through its
 * Transport; what the Connection decides is when a client is cut off for not reading.
 */
import type { App } from '../../core/src/apps/app-registry';
import { closesConnection, type PusherErrorSpec, PusherErrors } from '../../core/src/protocol/errors';
import { errorFrame } from '../../core/src/protocol/frames';
import type { Transport } from './transport';

/** What a socket is subscribed to; presence subscriptions remember who the socket is. */
export interface Subscription {
  /** Presence only: the user_id from channel_data. */
  readonly userId?: string;
  /** False while a presence join waits for the presence service. */
  established: boolean;
}

/** What every connection of a gateway shares. */
export interface ConnectionContext {
  /** Unsent bytes past which a client is cut off as not reading. */
  readonly maxBufferedBytes: number;
  /** Told after a client was cut off (metrics, logs). */
  readonly onSlowConsumer: (connection: Connection) => void;
  /** Told of what went to this socket alone (not the fan-out, which counts once per event): bytes, and channel events among them. */
  readonly onSent: (connection: Connection, bytes: number, events: number) => void;
}

/** A client cut off (not reading, flooding) may never answer the close handshake; free its socket after this. */
const CUT_OFF_CLOSE_GRACE_MS = 5000;

export class Connection {
  readonly subscriptions = new Map<string, Subscription>();
  lastActivityAt: number;
  /** When the gateway pinged this silent socket (0 = not waiting for an answer). */
  pingSentAt = 0;
  clientEventWindowStart = 0;
  clientEventCount = 0;
  /** FrameRateLimit's bucket: tokens left (negative: in debt) when last counted. Infinity = full. */
  frameTokens = Number.POSITIVE_INFINITY;
  frameTokensAt = 0;
  /** Told 4301 since its last admitted frame. */
  frameLimited = false;
  closed = false;
  /** The code this gateway closed the socket with (0 while it has not): what the metrics count it closed with. */
  closeCode = 0;
  /** Set by pusher:signin. */
  userId: string | undefined;
  readonly connectedAt: number;

  constructor(
    private readonly transport: Transport,
    readonly app: App,
    readonly socketId: string,
    now: number,
    private readonly context: ConnectionContext,
  ) {
    this.lastActivityAt = now;
    this.connectedAt = now;
  }

  /** Sends one frame; a client that stopped reading is closed instead of buffering without bound. */
  send(frame: string): void {
    if (this.closed) return;
    if (this.transport.bufferedAmount > this.context.maxBufferedBytes) return this.cutOffSlowReader();
    this.context.onSent(this, this.transport.sendText(frame), 0);
  }

  /**
   * The fan-out path: `frame` is a complete WebSocket frame (see serverTextFrame), built once
   * per event and written as is to every subscriber. Returns whether it was written.
   */
  sendFramed(frame: Buffer): boolean {
    const { transport } = this;
    if (this.closed || !transport.open) return false;
    if (transport.bufferedAmount > this.context.maxBufferedBytes) {
      this.cutOffSlowReader();
      return false;
    }
    transport.sendFrame(frame);
    return true;
  }

  /** A channel event framed for this socket alone (a cache replay): sendFramed, and counted. */
  sendOneFramed(frame: Buffer): void {
    if (this.sendFramed(frame)) this.context.onSent(this, frame.length, 1);
  }

  /** A WebSocket ping (the activity monitor's "are you there?"). */
  ping(): void {
    if (!this.closed) this.transport.ping();
  }

  /** Reports an error; errors in the closing ranges also close the socket with the same code. */
  fail(spec: PusherErrorSpec, detail?: string): void {
    const message = detail ? `${spec.message}: ${detail}` : spec.message;
    this.send(errorFrame(spec.code, message));
    if (closesConnection(spec.code)) this.close(spec.code, message);
  }

  /**
   * Past the buffer limit nothing more is queued for this client. It gets 4100 after what it
   * has not read yet (a slow but live client backs off and reconnects), and the socket is
   * destroyed soon after, so a dead reader holds at most the limit for a few seconds.
   */
  private cutOffSlowReader(): void {
    if (this.closed) return;
    this.cutOff(PusherErrors.slowConsumer);
    this.context.onSlowConsumer(this);
  }

  /**
   * Closes with `spec` after what is queued, bypassing the buffer check, and frees the socket
   * a few seconds later even if the client never answers the close handshake.
   */
  cutOff(spec: PusherErrorSpec & { readonly code: number }): void {
    if (this.closed) return;
    this.context.onSent(this, this.transport.sendText(errorFrame(spec.code, spec.message)), 0);
    this.close(spec.code, spec.message);
    setTimeout(() => this.transport.terminate(), CUT_OFF_CLOSE_GRACE_MS).unref();
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.closeCode = code;
    this.transport.close(code, reason);
  }
}
