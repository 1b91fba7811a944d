/**
 * The clients a test file opens, closed together in its `after`: pusher-js clients are
 * disconnected (so their reconnect timers stop) and raw sockets closed.
 */
import type PusherJs from 'pusher-js';
import type { RawClient } from './raw-client';

export class OpenClients {
  private readonly pushers: PusherJs[] = [];
  private readonly raws: RawClient[] = [];

  /** Tracks a pusher-js client; returns it. */
  pusher<T extends PusherJs>(client: T): T {
    this.pushers.push(client);
    return client;
  }

  /** Tracks raw sockets; returns the first. */
  raw(...sockets: RawClient[]): RawClient {
    this.raws.push(...sockets);
    return sockets[0];
  }

  closeAll(): void {
    for (const client of this.pushers.splice(0)) client.disconnect();
    for (const socket of this.raws.splice(0)) socket.close();
  }
}
