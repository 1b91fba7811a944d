/**
 * A minimal WebSocket client (RFC 6455) for the load runner: HTTP upgrade, masked client
 * frames, unmasked server frames, ping→pong, close. It hands each text/binary message to
 * the caller as (buffer, start, end) without copying or decoding it, so one runner thread
 * can receive far more messages per second than a general-purpose client would allow.
 * No extensions (no permessage-deflate): the servers under test must not compress either.
 */
import { createHash, randomBytes, randomFillSync } from 'node:crypto';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { nowMs } from './clock';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const HEADER_END = Buffer.from('\r\n\r\n', 'latin1');

const OPCODE_TEXT = 0x1;
const OPCODE_CONTINUATION = 0x0;
const OPCODE_BINARY = 0x2;
const OPCODE_CLOSE = 0x8;
const OPCODE_PING = 0x9;
const OPCODE_PONG = 0xa;

/**
 * Plain TCP sockets read into this one buffer (`onread`), which skips the stream machinery
 * and a Buffer allocation per read. Safe to share within a thread because every read is
 * parsed synchronously and leftovers are copied out.
 */
const SHARED_READ_BUFFER = Buffer.allocUnsafe(256 * 1024);

export interface LeanWebSocketOptions {
  readonly host: string;
  readonly port: number;
  readonly path: string;
  readonly tls: boolean;
  readonly localAddress?: string;
  readonly handshakeTimeoutMs: number;
}

export interface LeanWebSocketHandlers {
  onOpen(): void;
  /**
   * One complete message; the bytes are only valid during the call. `receivedAtMs` is taken
   * once per read from the socket, not once per message.
   */
  onMessage(buffer: Buffer, start: number, end: number, receivedAtMs: number): void;
  /** Called once: code 1006 and a reason such as ECONNREFUSED when the TCP side failed. */
  onClose(code: number, reason: string): void;
}

/** A client→server frame; client frames must be masked. */
function encodeClientFrame(opcode: number, payload: Buffer): Buffer {
  const length = payload.length;
  const extended = length < 126 ? 0 : length < 65536 ? 2 : 8;
  const frame = Buffer.allocUnsafe(2 + extended + 4 + length);
  frame[0] = 0x80 | opcode;
  if (extended === 0) {
    frame[1] = 0x80 | length;
  } else if (extended === 2) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
    frame.writeUInt32BE(length >>> 0, 6);
  }
  const maskAt = 2 + extended;
  randomFillSync(frame, maskAt, 4);
  for (let i = 0; i < length; i += 1) frame[maskAt + 4 + i] = payload[i] ^ frame[maskAt + (i & 3)];
  return frame;
}

export class LeanWebSocket {
  private readonly socket: Socket;
  private readonly key = randomBytes(16).toString('base64');
  private handshaken = false;
  private pending: Buffer | null = null;
  private fragments: Buffer[] | null = null;
  private closed = false;
  private closeSent = false;
  private readonly handshakeTimer: NodeJS.Timeout;

  constructor(
    private readonly options: LeanWebSocketOptions,
    private readonly handlers: LeanWebSocketHandlers,
  ) {
    const connectOptions = { host: options.host, port: options.port, localAddress: options.localAddress };
    if (options.tls) {
      this.socket = tlsConnect({ ...connectOptions, servername: options.host });
      this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    } else {
      const onread = {
        buffer: SHARED_READ_BUFFER,
        callback: (bytes: number, buffer: Uint8Array) => {
          this.onData((buffer as Buffer).subarray(0, bytes));
          return true;
        },
      };
      this.socket = netConnect({ ...connectOptions, onread });
    }
    this.socket.setNoDelay(true);
    this.socket.once(options.tls ? 'secureConnect' : 'connect', () => this.sendUpgrade());
    this.socket.on('error', (err: NodeJS.ErrnoException) => this.finish(1006, err.code ?? err.message));
    this.socket.on('close', () => this.finish(1006, 'connection closed'));
    this.handshakeTimer = setTimeout(() => this.fail('handshake timeout'), options.handshakeTimeoutMs);
  }

  get open(): boolean {
    return this.handshaken && !this.closed;
  }

  sendText(text: string): void {
    if (!this.open) return;
    this.socket.write(encodeClientFrame(OPCODE_TEXT, Buffer.from(text, 'utf8')));
  }

  /** A clean close: close frame, then the server closes TCP (or we do after a grace). */
  close(code = 1000): void {
    if (this.closed) return;
    if (this.handshaken && !this.closeSent) {
      this.closeSent = true;
      const payload = Buffer.allocUnsafe(2);
      payload.writeUInt16BE(code, 0);
      this.socket.write(encodeClientFrame(OPCODE_CLOSE, payload));
      this.socket.end();
      setTimeout(() => this.socket.destroy(), 2000).unref();
    } else {
      this.socket.destroy();
    }
  }

  private fail(reason: string): void {
    this.socket.destroy();
    this.finish(1006, reason);
  }

  private finish(code: number, reason: string, destroy = true): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.handshakeTimer);
    if (destroy) this.socket.destroy();
    else setTimeout(() => this.socket.destroy(), 2000).unref();
    this.handlers.onClose(code, reason);
  }

  private sendUpgrade(): void {
    const { host, port, path } = this.options;
    this.socket.write(
      `GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` + `Sec-WebSocket-Key: ${this.key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
  }

  private onData(chunk: Buffer): void {
    let buffer = this.pending === null ? chunk : Buffer.concat([this.pending, chunk]);
    this.pending = null;
    if (!this.handshaken) {
      const end = buffer.indexOf(HEADER_END);
      if (end < 0) {
        if (buffer.length > 16 * 1024) return this.fail('handshake response too large');
        this.pending = Buffer.from(buffer);
        return;
      }
      const problem = this.checkUpgradeResponse(buffer.toString('latin1', 0, end));
      if (problem) return this.fail(problem);
      this.handshaken = true;
      clearTimeout(this.handshakeTimer);
      this.handlers.onOpen();
      buffer = buffer.subarray(end + HEADER_END.length);
    }
    this.parseFrames(buffer);
  }

  private checkUpgradeResponse(head: string): string | null {
    const [statusLine, ...lines] = head.split('\r\n');
    if (!/^HTTP\/1\.1 101/.test(statusLine)) return `upgrade refused: ${statusLine}`;
    const expected = createHash('sha1')
      .update(this.key + GUID)
      .digest('base64');
    const accept = lines.find((line) => line.toLowerCase().startsWith('sec-websocket-accept:'));
    if (!accept || accept.slice(accept.indexOf(':') + 1).trim() !== expected) return 'bad Sec-WebSocket-Accept';
    return null;
  }

  private parseFrames(buffer: Buffer): void {
    const receivedAtMs = nowMs();
    let offset = 0;
    const total = buffer.length;
    while (!this.closed && total - offset >= 2) {
      const b0 = buffer[offset];
      const b1 = buffer[offset + 1];
      let length = b1 & 0x7f;
      let header = 2;
      if (length === 126) {
        if (total - offset < 4) break;
        length = buffer.readUInt16BE(offset + 2);
        header = 4;
      } else if (length === 127) {
        if (total - offset < 10) break;
        length = buffer.readUInt32BE(offset + 2) * 2 ** 32 + buffer.readUInt32BE(offset + 6);
        header = 10;
      }
      const masked = (b1 & 0x80) !== 0;
      if (masked) header += 4;
      if (total - offset < header + length) break;
      const start = offset + header;
      const end = start + length;
      if (masked) {
        const maskAt = start - 4;
        for (let i = start; i < end; i += 1) buffer[i] ^= buffer[maskAt + ((i - start) & 3)];
      }
      this.onFrame((b0 & 0x80) !== 0, b0 & 0x0f, buffer, start, end, receivedAtMs);
      offset = end;
    }
    if (offset < total && !this.closed) this.pending = Buffer.from(buffer.subarray(offset));
  }

  private onFrame(fin: boolean, opcode: number, buffer: Buffer, start: number, end: number, receivedAtMs: number): void {
    switch (opcode) {
      case OPCODE_TEXT:
      case OPCODE_BINARY:
        if (fin) return this.handlers.onMessage(buffer, start, end, receivedAtMs);
        this.fragments = [Buffer.from(buffer.subarray(start, end))];
        return;
      case OPCODE_CONTINUATION: {
        if (this.fragments === null) return this.fail('unexpected continuation frame');
        this.fragments.push(Buffer.from(buffer.subarray(start, end)));
        if (!fin) return;
        const whole = Buffer.concat(this.fragments);
        this.fragments = null;
        return this.handlers.onMessage(whole, 0, whole.length, receivedAtMs);
      }
      case OPCODE_PING:
        this.socket.write(encodeClientFrame(OPCODE_PONG, buffer.subarray(start, end)));
        return;
      case OPCODE_PONG:
        return;
      case OPCODE_CLOSE: {
        const code = end - start >= 2 ? buffer.readUInt16BE(start) : 1005;
        const reason = end - start > 2 ? buffer.toString('utf8', start + 2, end) : '';
        if (!this.closeSent) {
          this.closeSent = true;
          const payload = Buffer.allocUnsafe(2);
          payload.writeUInt16BE(code === 1005 ? 1000 : code, 0);
          this.socket.write(encodeClientFrame(OPCODE_CLOSE, payload));
        }
        this.socket.end();
        return this.finish(code, reason, false);
      }
      default:
        return this.fail(`unknown opcode ${opcode}`);
    }
  }
}
