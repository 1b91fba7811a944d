/**
 * The Transport of a live client: a `ws` WebSocket and the upgraded TCP stream under it.
 *
 * One owner for the bytes. Every data frame, the control JSON of `sendText` as well as the
 * fan-out frames of `sendFrame`, is a complete frame (serverTextFrame) that this class writes
 * to the stream in one `write`; the stream keeps them in call order, corked or not. ws itself
 * writes only control frames (ping, the pong the gateway answers with, close) through its Sender, and
 * the Sender writes synchronously, in one piece, unless it is compressing or reading a Blob:
 * it never is, because permessage-deflate is off (the gateway's ws options) and it is never
 * handed a data frame. So a frame of ws's always lands between two of ours, never inside one,
 * and ws's bufferedAmount is exactly the stream's writableLength (its Sender queues nothing).
 *
 * The fan-out path is the hot one: `sendFrame` writes the caller's Buffer, built once per
 * event, with no framing, copy or closure per socket.
 */
import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import { WebSocket } from 'ws';
import { closeReason, serverTextFrame } from '../../core/src/protocol/websocket-frame';
import type { Transport } from './transport';
import type { BatchedWire, TurnBatchedWrites } from './turn-batched-writes';

export class WsTransport implements Transport, BatchedWire {
  /** For TurnBatchedWrites: the turn of the last fan-out frame. */
  lastWriteTurn = 0;

  constructor(
    private readonly socket: WebSocket,
    /** The upgraded TCP stream under `socket`. */
    readonly wire: Duplex,
    private readonly writes: TurnBatchedWrites,
  ) {}

  /**
   * Takes over a socket @fastify/websocket just upgraded. The plugin routes an upgrade through
   * fastify with a stand-in ServerResponse that it assigns to the TCP socket, and adds an error
   * listener that closes over the request and reply; both would keep the request, reply,
   * response and a child logger alive for as long as the WebSocket lives (about 2 KB per idle
   * connection), so they are let go here. The caller adds its own error listener right after.
   */
  static adopt(socket: WebSocket, request: FastifyRequest, writes: TurnBatchedWrites): WsTransport {
    // No public way leads from the handler to that ServerResponse: @fastify/websocket 11 calls
    // it with (socket, request) only, and Node keeps the socket's response as `_httpMessage`
    // (what ServerResponse.assignSocket set, and its public detachSocket undoes). A hook sees
    // it as `reply.raw`, but only before the upgrade, while fastify may still answer with it.
    // ws-transport.test.ts fails if the plugin stops assigning one.
    const tcp = request.raw.socket as typeof request.raw.socket & { _httpMessage?: ServerResponse | null };
    tcp._httpMessage?.detachSocket(tcp);
    // The plugin's listener only forwards errors to its error handler, which logs and terminates.
    socket.removeAllListeners('error');
    return new WsTransport(socket, tcp, writes);
  }

  get open(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  get bufferedAmount(): number {
    return this.writes.backlog(this);
  }

  sendText(text: string): number {
    // Not batched: a control frame goes out at once (into this turn's batch if the stream is corked).
    if (!this.open) return 0;
    const frame = serverTextFrame(text);
    this.wire.write(frame);
    return frame.length;
  }

  sendFrame(frame: Buffer): void {
    if (this.open) this.writes.write(this, frame);
  }

  close(code: number, reason: string): void {
    if (this.open) this.socket.close(code, closeReason(reason));
  }

  terminate(): void {
    this.socket.terminate();
  }

  ping(): void {
    if (this.open) this.socket.ping();
  }
}
