/**
 * One client's WebSocket and the little state the gateway keeps about it. Kept small: an
 * idle gateway holds tens of thousands of these.
 */
import type { WebSocket } from 'ws';
import type { App } from '../../core/src/apps/app-registry';
import { closesConnection, type PusherErrorSpec } from '../../core/src/protocol/errors';
import { errorFrame } from '../../core/src/protocol/frames';

/** What a socket is subscribed to; presence subscriptions remember who the socket is. */
export interface Subscription {
  /** Presence only: the user_id from channel_data. */
  readonly userId?: string;
  /** False while a presence join waits for the presence service. */
  established: boolean;
}

const SEND_TEXT = { binary: false } as const;

export class Connection {
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

  constructor(
    readonly socket: WebSocket,
    readonly app: App,
    readonly socketId: string,
    now: number,
    private readonly maxBufferedBytes: number,
    private readonly onSlowConsumer: (connection: Connection) => void,
  ) {
    this.lastActivityAt = now;
    this.connectedAt = now;
  }

  /** Sends one frame; a client that stopped reading is closed instead of buffering without bound. */
  send(frame: string | Buffer): void {
    if (this.closed) return;
    if (this.socket.bufferedAmount > this.maxBufferedBytes) {
      this.onSlowConsumer(this);
      return;
    }
    this.socket.send(frame, SEND_TEXT);
  }

  /** Reports an error; errors in the closing ranges also close the socket with the same code. */
  fail(spec: PusherErrorSpec, detail?: string): void {
    const message = detail ? `${spec.message}: ${detail}` : spec.message;
    this.send(errorFrame(spec.code, message));
    if (closesConnection(spec.code)) this.close(spec.code, message);
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    // Close reasons are limited to 123 bytes by the WebSocket protocol.
    this.socket.close(code, Buffer.from(reason).subarray(0, 123).toString());
  }
}
