/**
 * A minimal HTTP/1.1 client for the publisher: a pool of keep-alive connections, one request
 * in flight per connection (no pipelining, like an SDK's agent), requests queued when all are
 * busy. It writes the request in one piece and reads only the status line, Content-Length or
 * chunked framing, so that publishing costs the runner a fraction of what node:http does —
 * when runner and server share a machine, every core the runner saves goes to the server.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

export interface HttpResult {
  /** HTTP status, or 0 when the request failed before a complete response. */
  readonly status: number;
  readonly error?: string;
}

interface Request {
  readonly head: string;
  readonly body: Buffer;
  resolve(result: HttpResult): void;
}

const HEADER_END = Buffer.from('\r\n\r\n', 'latin1');
const CHUNKED_END = Buffer.from('0\r\n\r\n', 'latin1');

class PooledConnection {
  private socket: Socket | null = null;
  private current: Request | null = null;
  private received: Buffer | null = null;

  constructor(private readonly pool: HttpKeepAlivePool) {}

  get idle(): boolean {
    return this.current === null;
  }

  send(request: Request): void {
    this.current = request;
    this.received = null;
    const socket = this.socket ?? this.open();
    socket.cork();
    socket.write(request.head, 'latin1');
    socket.write(request.body);
    socket.uncork();
  }

  close(): void {
    this.socket?.destroy();
    this.socket = null;
  }

  private open(): Socket {
    const { host, port, tls } = this.pool.origin;
    const socket = tls ? tlsConnect({ host, port, servername: host }) : netConnect({ host, port });
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err: NodeJS.ErrnoException) => this.fail(err.code ?? err.message));
    socket.on('close', () => this.fail('connection closed'));
    this.socket = socket;
    return socket;
  }

  private fail(reason: string): void {
    this.socket?.destroy();
    this.socket = null;
    this.finish({ status: 0, error: reason });
  }

  private finish(result: HttpResult): void {
    const request = this.current;
    if (!request) return;
    this.current = null;
    this.received = null;
    request.resolve(result);
    this.pool.next(this);
  }

  private onData(chunk: Buffer): void {
    const buffer = this.received === null ? chunk : Buffer.concat([this.received, chunk]);
    this.received = buffer;
    const headerEnd = buffer.indexOf(HEADER_END);
    if (headerEnd < 0) return;
    const head = buffer.toString('latin1', 0, headerEnd);
    const status = Number(head.slice(9, 12));
    const bodyStart = headerEnd + HEADER_END.length;
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (length) {
      if (buffer.length - bodyStart < Number(length[1])) return;
    } else if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
      if (buffer.indexOf(CHUNKED_END, bodyStart) < 0) return;
    }
    if (/\r\nconnection:\s*close/i.test(head)) {
      this.socket?.destroy();
      this.socket = null;
    }
    this.finish({ status });
  }
}

export interface Origin {
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
}

export class HttpKeepAlivePool {
  readonly origin: Origin;
  private readonly connections: PooledConnection[];
  private readonly queue: Request[] = [];

  constructor(baseUrl: string, size: number) {
    const url = new URL(baseUrl);
    const tls = url.protocol === 'https:';
    this.origin = { host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port ? Number(url.port) : tls ? 443 : 80, tls };
    this.connections = Array.from({ length: size }, () => new PooledConnection(this));
  }

  post(path: string, body: string, contentType: string): Promise<HttpResult> {
    const bytes = Buffer.from(body, 'utf8');
    const head =
      `POST ${path} HTTP/1.1\r\nHost: ${this.origin.host}:${this.origin.port}\r\nContent-Type: ${contentType}\r\n` +
      `Content-Length: ${bytes.length}\r\nConnection: keep-alive\r\n\r\n`;
    return new Promise((resolve) => {
      const request: Request = { head, body: bytes, resolve };
      const idle = this.connections.find((c) => c.idle);
      if (idle) idle.send(request);
      else this.queue.push(request);
    });
  }

  /** A connection finished its request: give it the next queued one. */
  next(connection: PooledConnection): void {
    const request = this.queue.shift();
    if (request) connection.send(request);
  }

  close(): void {
    for (const connection of this.connections) connection.close();
    for (const request of this.queue.splice(0)) request.resolve({ status: 0, error: 'closed' });
  }
}
