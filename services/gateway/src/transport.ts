/**
 * What a Connection writes through: one client's socket, seen as the frames that leave it.
 * Two implementations: WsTransport (a `ws` WebSocket and the TCP stream under it) and
 * RecordingTransport (testing/, for unit tests). transport-contract.ts is the suite both pass.
 *
 * Rules:
 * - Frames reach the client whole and in the order they were given, whichever method wrote
 *   them.
 * - Once the socket is not `open` (closing or closed, by either side) writes, pings and closes
 *   are dropped without an error, as `ws` drops a send after close.
 * - `close` sends a close frame with the code and the reason cut to the 123 bytes a close
 *   frame can carry (closeReason); the socket stops being `open` at once.
 * - The Transport decides nothing: when a client reads too slowly is the Connection's call,
 *   from `bufferedAmount`.
 */
export interface Transport {
  /** Whether frames can still be written (a WebSocket in state OPEN). */
  readonly open: boolean;
  /**
   * Bytes written for the client that it has not taken yet, as they stood before this turn of
   * the event loop wrote to it: frames of the current turn (a burst being batched) are not
   * backlog. What backpressure (4100) is measured by.
   */
  readonly bufferedAmount: number;
  /** Sends `text` as one text frame (framed here); returns the frame's bytes written (0 when not open). */
  sendText(text: string): number;
  /** Writes `frame`, a complete text frame (serverTextFrame), as is: the fan-out path. */
  sendFrame(frame: Buffer): void;
  close(code: number, reason: string): void;
  /** Destroys the socket without a close handshake (a client that stopped reading). */
  terminate(): void;
  /** A WebSocket ping; every client library answers with a pong. */
  ping(): void;
}
