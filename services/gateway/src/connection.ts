/**
 * One client's WebSocket and the little state the gateway keeps about it. Kept small: an
 * idle gateway holds tens of thousands of these.
 */
import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';
import type { App } from '../../core/src/apps/app-registry';
import { closesConnection, type PusherErrorSpec, PusherErrors } from '../../core/src/protocol/errors';
import { errorFrame } from '../../core/src/protocol/frames';
import type { BatchedWire, TurnBatchedWrites } from './turn-batched-writes';

/** What a socket is subscribed to; presence subscriptions remember who the socket is. */
export interface Subscription {
  /** Presence only: the user_id from channel_data. */
  readonly userId?: string;
  /** False while a presence join waits for the presence service. */
  established: boolean;
}

/** What every connection of a gateway shares. */
export interface ConnectionContext {
  readonly writes: TurnBatchedWrites;
  /** Unsent bytes past which a client is cut off as not reading. */
  readonly maxBufferedBytes: number;
  /** Told after a client was cut off (metrics, logs). */
  readonly onSlowConsumer: (connection: Connection) => void;
}

const SEND_TEXT = { binary: false } as const;
/** A client cut off for not reading may never answer the close handshake; free its socket after this. */
const SLOW_READER_CLOSE_GRACE_MS = 5000;

export class Connection implements BatchedWire {
  readonly subscriptions = new Map<string, Subscription>();
  lastActivityAt: number;
  /** When the gateway pinged this silent socket (0 = not waiting for an answer). */
  pingSentAt = 0;
  clientEventWindowStart = 0;
  clientEventCount = 0;
  closed = false;
  /** Set by pusher:signin. */
  userId: string | undefined;
  readonly connectedAt: number;
  /** For TurnBatchedWrites: the turn of the last fan-out frame. */
  lastWriteTurn = 0;

  constructor(
    readonly socket: WebSocket,
    /**
     * The upgraded TCP stream under `socket`. Fan-out writes pre-framed messages to it directly:
     * with compression off, ws writes each frame synchronously and never queues, so frames
     * from both paths cannot interleave.
     */
    readonly wire: Duplex,
    readonly app: App,
    readonly socketId: string,
    now: number,
    private readonly context: ConnectionContext,
  ) {
    this.lastActivityAt = now;
    this.connectedAt = now;
  }

  /** Sends one frame; a client that stopped reading is closed instead of buffering without bound. */
  send(frame: string | Buffer): void {
    if (this.closed) return;
    // While corked, the buffer also holds this turn's own frames, which are not backlog.
    if (this.wire.writableCorked === 0 && this.socket.bufferedAmount > this.context.maxBufferedBytes) return this.cutOffSlowReader();
    this.socket.send(frame, SEND_TEXT);
  }

  /**
   * The fan-out path: `frame` is a complete WebSocket frame (see serverTextFrame), built once
   * per event and written as is to every subscriber. Returns whether it was written.
   */
  sendFramed(frame: Buffer): boolean {
    if (this.closed || this.socket.readyState !== WebSocket.OPEN) return false;
    if (this.context.writes.write(this, frame, this.context.maxBufferedBytes)) return true;
    this.cutOffSlowReader();
    return false;
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
    const { code, message } = PusherErrors.slowConsumer;
    this.socket.send(errorFrame(code, message));
    this.close(code, message);
    setTimeout(() => this.socket.terminate(), SLOW_READER_CLOSE_GRACE_MS).unref();
    this.context.onSlowConsumer(this);
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    // Close reasons are limited to 123 bytes by the WebSocket protocol.
    this.socket.close(code, Buffer.from(reason).subarray(0, 123).toString());
  }
}
