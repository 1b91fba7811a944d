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
  /** Resolves with the first frame (already received or future) that matches. */
  next(match: (frame: Frame) => boolean, what: string, timeoutMs?: number): Promise<Frame>;
  close(): void;
}

export async function rawClient(port: number, key: string, query = 'protocol=7&client=test&version=1.0'): Promise<RawClient> {
  const socket = new WebSocket(`ws://127.0.0.1:${port}/app/${key}?${query}`);
  const frames: Frame[] = [];
  const waiters: Array<{ match: (f: Frame) => boolean; resolve: (f: Frame) => void }> = [];
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
  const next = (match: (f: Frame) => boolean, what: string, timeoutMs = 5000) => {
    const seen = frames.find(match);
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
    next,
    close: () => socket.close(),
  };
}
