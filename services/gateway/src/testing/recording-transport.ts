/**
 * A Transport for unit tests: no socket, it records what a Connection sent — every frame in
 * order (its JSON text, and whether it came pre-framed), closes, pings — and lets a test set
 * how much the client has not read (`bufferedAmount`). Passes the same contract as WsTransport
 * (transport-contract.ts), so a test on it sees what a client would.
 */
import { closeReason, readServerTextFrame, serverTextFrame } from '../../../core/src/protocol/websocket-frame';
import type { Transport } from '../transport';

export interface RecordedFrame {
  /** `text`: sendText; `framed`: sendFrame (the fan-out path). */
  readonly via: 'text' | 'framed';
  /** The frame's payload: Pusher's JSON. */
  readonly text: string;
  /** The Buffer given to sendFrame, to check that fan-out shares one. */
  readonly bytes?: Buffer;
}

export class RecordingTransport implements Transport {
  open = true;
  /** Set by a test to play a client that does not read. */
  bufferedAmount = 0;
  pings = 0;
  terminated = false;
  readonly frames: RecordedFrame[] = [];
  readonly closes: Array<{ readonly code: number; readonly reason: string }> = [];

  sendText(text: string): number {
    if (!this.open) return 0;
    this.frames.push({ via: 'text', text });
    return serverTextFrame(text).length;
  }

  sendFrame(frame: Buffer): void {
    if (this.open) this.frames.push({ via: 'framed', text: readServerTextFrame(frame), bytes: frame });
  }

  close(code: number, reason: string): void {
    if (!this.open) return;
    this.open = false;
    this.closes.push({ code, reason: closeReason(reason) });
  }

  terminate(): void {
    this.open = false;
    this.terminated = true;
  }

  ping(): void {
    if (this.open) this.pings += 1;
  }

  /** The JSON text of every frame, in order. */
  texts(): string[] {
    return this.frames.map((f) => f.text);
  }

  /** Every frame parsed (the top level only: Pusher's `data` stays the string it is). */
  json(): Array<Record<string, unknown>> {
    return this.frames.map((f) => JSON.parse(f.text) as Record<string, unknown>);
  }

  /** The event names sent, in order: the quickest thing to assert on. */
  events(): string[] {
    return this.json().map((f) => String(f.event));
  }
}
