/**
 * One Pusher protocol v7 client connection on a LeanWebSocket: connection_established,
 * subscribe (with locally signed auth for private/presence channels), presence member views,
 * client events, pusher:ping. Frames that carry a send timestamp skip JSON parsing and go
 * straight to the sink (the hot path); every other frame is parsed.
 */
import { nowMs } from './clock';
import type { SocketEndpoint } from './endpoint';
import { LeanWebSocket } from './lean-websocket';
import { findSentAt } from './timestamped-payload';

export interface ConnectionSink {
  /** A timestamped event or client event arrived (the hot path). */
  onTimestamped(sentAtMs: number, receivedAtMs: number): void;
  /** pusher_internal:member_added; `joinedAtMs` is the joiner's timestamp when it sent one. */
  onMemberAdded(joinedAtMs: number | undefined, receivedAtMs: number): void;
  onPusherError(code: number | null): void;
  /** The connection closed without the runner asking. */
  onUnexpectedClose(connection: PusherConnection, code: number, reason: string): void;
}

/** What a private or presence subscription sends besides the channel name. */
export interface ChannelAuth {
  readonly auth: string;
  readonly channel_data?: string;
}

interface Waiter {
  resolve(): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

interface Frame {
  event?: string;
  channel?: string;
  data?: unknown;
}

function dataObject(data: unknown): Record<string, unknown> {
  if (typeof data === 'string') {
    try {
      return JSON.parse(data) as Record<string, unknown>;
    } catch {
      return {};
    }
  }
  return (data ?? {}) as Record<string, unknown>;
}

export class PusherConnection {
  socketId = '';
  /** Channels whose subscription succeeded and that have not been left since. */
  readonly subscribed = new Set<string>();
  /** Presence channels: the user ids this connection believes are members. */
  readonly members = new Map<string, Set<string>>();
  private readonly ws: LeanWebSocket;
  private established: Waiter | null = null;
  private readonly subscribing = new Map<string, Waiter>();
  private closing = false;
  private isClosed = false;

  constructor(
    endpoint: SocketEndpoint,
    localAddress: string | undefined,
    private readonly timeoutMs: number,
    private readonly sink: ConnectionSink,
  ) {
    this.ws = new LeanWebSocket(
      { host: endpoint.host, port: endpoint.port, path: endpoint.path, tls: endpoint.tls, localAddress, handshakeTimeoutMs: timeoutMs },
      {
        onOpen: () => undefined,
        onMessage: (buffer, start, end, receivedAtMs) => this.onMessage(buffer, start, end, receivedAtMs),
        onClose: (code, reason) => this.onClose(code, reason),
      },
    );
  }

  get open(): boolean {
    return !this.isClosed;
  }

  /** Resolves on pusher:connection_established. */
  connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.socketId) return resolve();
      if (this.isClosed) return reject(new Error('closed'));
      const timer = setTimeout(() => this.fail(new Error('connect timeout')), this.timeoutMs);
      this.established = { resolve, reject, timer };
    });
  }

  /** Resolves on pusher_internal:subscription_succeeded for the channel. */
  subscribe(channel: string, auth?: ChannelAuth): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.isClosed) return reject(new Error('closed'));
      const timer = setTimeout(() => {
        this.subscribing.delete(channel);
        reject(new Error('subscribe timeout'));
      }, this.timeoutMs);
      this.subscribing.set(channel, { resolve, reject, timer });
      this.send({ event: 'pusher:subscribe', data: { channel, ...auth } });
    });
  }

  unsubscribe(channel: string): void {
    this.subscribed.delete(channel);
    this.members.delete(channel);
    this.send({ event: 'pusher:unsubscribe', data: { channel } });
  }

  /** A client event; `dataJson` is sent as the data object itself, as pusher-js does. */
  sendClientEvent(channel: string, event: string, dataJson: string): void {
    this.ws.sendText(`{"event":${JSON.stringify(event)},"channel":${JSON.stringify(channel)},"data":${dataJson}}`);
  }

  close(): void {
    this.closing = true;
    this.ws.close(1000);
  }

  private send(frame: unknown): void {
    this.ws.sendText(JSON.stringify(frame));
  }

  private fail(err: Error): void {
    if (this.established) {
      clearTimeout(this.established.timer);
      this.established.reject(err);
      this.established = null;
    }
    for (const waiter of this.subscribing.values()) {
      clearTimeout(waiter.timer);
      waiter.reject(err);
    }
    this.subscribing.clear();
    this.close();
  }

  private onClose(code: number, reason: string): void {
    this.isClosed = true;
    this.subscribed.clear();
    const unexpected = !this.closing && this.socketId !== '' && this.established === null;
    this.fail(new Error(reason || `closed ${code}`));
    if (unexpected) this.sink.onUnexpectedClose(this, code, reason);
  }

  private onMessage(buffer: Buffer, start: number, end: number, receivedAtMs: number): void {
    const sentAt = findSentAt(buffer, start, end);
    if (sentAt >= 0) {
      this.sink.onTimestamped(sentAt, receivedAtMs);
      return;
    }
    let frame: Frame;
    try {
      frame = JSON.parse(buffer.toString('utf8', start, end)) as Frame;
    } catch {
      return;
    }
    this.onFrame(frame);
  }

  private onFrame(frame: Frame): void {
    const channel = frame.channel ?? '';
    switch (frame.event) {
      case 'pusher:connection_established': {
        this.socketId = String(dataObject(frame.data).socket_id ?? '');
        const waiter = this.established;
        this.established = null;
        if (waiter) {
          clearTimeout(waiter.timer);
          waiter.resolve();
        }
        return;
      }
      case 'pusher_internal:subscription_succeeded': {
        const presence = dataObject(frame.data).presence as { hash?: Record<string, unknown> } | undefined;
        if (presence) this.members.set(channel, new Set(Object.keys(presence.hash ?? {})));
        this.subscribed.add(channel);
        return this.settle(channel, null);
      }
      case 'pusher:subscription_error': {
        const data = dataObject(frame.data);
        return this.settle(channel, new Error(`subscription_error ${String(data.status ?? data.type ?? '')}`.trim()));
      }
      case 'pusher:error': {
        const code = (dataObject(frame.data).code as number | null | undefined) ?? null;
        this.sink.onPusherError(code);
        if (this.established) this.fail(new Error(`pusher:error ${code}`));
        return;
      }
      case 'pusher:ping':
        return this.send({ event: 'pusher:pong', data: {} });
      case 'pusher_internal:member_added': {
        if (!this.subscribed.has(channel)) return;
        const data = dataObject(frame.data);
        this.members.get(channel)?.add(String(data.user_id));
        const info = data.user_info as { j?: unknown } | undefined;
        this.sink.onMemberAdded(typeof info?.j === 'number' ? info.j : undefined, nowMs());
        return;
      }
      case 'pusher_internal:member_removed': {
        if (!this.subscribed.has(channel)) return;
        this.members.get(channel)?.delete(String(dataObject(frame.data).user_id));
        return;
      }
      default:
        return;
    }
  }

  private settle(channel: string, err: Error | null): void {
    const waiter = this.subscribing.get(channel);
    if (!waiter) return;
    this.subscribing.delete(channel);
    clearTimeout(waiter.timer);
    if (err) waiter.reject(err);
    else waiter.resolve();
  }
}
