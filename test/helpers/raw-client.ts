/** A bare WebSocket Pusher client for tests that must see exact frames and close codes. */
import WebSocket from 'ws';
import { within } from './wait';

export interface Frame {
  event: string;
  channel?: string;
  data?: unknown;
  [key: string]: unknown;
}

export interface RawClient {
  readonly socket: WebSocket;
  readonly frames: Frame[];
  readonly socketId: string;
  readonly closed: Promise<{ code: number; reason: string; at: number }>;
  send(frame: unknown): void;
  /** Sends exactly these bytes: a text frame, or a binary frame when `binary` is true. */
  sendRaw(data: string | Buffer, binary?: boolean): void;
  /**
   * Resolves with the first matching frame (already received or future) at index `fromIndex`
   * or later of `frames`; pass `frames.length` to wait only for frames still to come.
   */
  next(match: (frame: Frame) => boolean, what: string, timeoutMs?: number, fromIndex?: number): Promise<Frame>;
  /** Subscribes and resolves with the answer: subscription_succeeded or subscription_error. */
  subscribe(channel: string, auth?: { auth?: string; channel_data?: string }): Promise<Frame>;
  close(): void;
}

export async function rawClient(port: number, key: string, query = 'protocol=7&client=test&version=1.0', wsOptions: WebSocket.ClientOptions = {}): Promise<RawClient> {
  const socket = new WebSocket(`ws://127.0.0.1:${port}/app/${key}?${query}`, wsOptions);
  const frames: Frame[] = [];
  const waiters: Array<{ match: (f: Frame) => boolean; resolve: (f: Frame) => void }> = [];
  socket.on('error', () => {}); // a refused or broken socket shows up in `closed`
  socket.on('message', (data) => {
    const frame = JSON.parse(data.toString()) as Frame;
    frames.push(frame);
    for (const waiter of [...waiters]) {
      if (waiter.match(frame)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(frame);
      }
    }
  });
  const closed = new Promise<{ code: number; reason: string; at: number }>((resolve) => {
    socket.once('close', (code, reason) => resolve({ code, reason: reason.toString(), at: Date.now() }));
  });
  const next = (match: (f: Frame) => boolean, what: string, timeoutMs = 5000, fromIndex = 0) => {
    const seen = frames.slice(fromIndex).find(match);
    if (seen) return Promise.resolve(seen);
    return within(new Promise<Frame>((resolve) => waiters.push({ match, resolve })), what, timeoutMs);
  };
  const established = await next((f) => f.event === 'pusher:connection_established' || f.event === 'pusher:error', 'connection_established');
  const socketId = established.event === 'pusher:connection_established' ? (JSON.parse(established.data as string) as { socket_id: string }).socket_id : '';
  return {
    socket,
    frames,
    socketId,
    closed,
    send: (frame) => socket.send(JSON.stringify(frame)),
    sendRaw: (data, binary = false) => socket.send(data, { binary }),
    next,
    subscribe: (channel, auth = {}) => {
      const from = frames.length;
      socket.send(JSON.stringify({ event: 'pusher:subscribe', data: { channel, ...auth } }));
      return next(
        (f) => f.channel === channel && (f.event === 'pusher_internal:subscription_succeeded' || f.event === 'pusher:subscription_error'),
        `an answer to the subscription to ${channel}`,
        5000,
        from,
      );
    },
    close: () => socket.close(),
  };
}
