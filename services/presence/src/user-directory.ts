/**
 * Signed-in users across the cluster (pusher:signin) and their watchlists: who is online
 * (a user with several sockets is online once), and who watches whom. Mutations report
 * online/offline transitions; the replica turns them into watchlist events.
 */

export interface UserChange {
  readonly kind: 'online' | 'offline';
  readonly appId: string;
  readonly userId: string;
}

export interface SignedInSocket {
  readonly appId: string;
  readonly socketId: string;
  readonly userId: string;
  readonly watchlist: readonly string[];
}

const key = (appId: string, id: string) => `${appId}\u0000${id}`;

export class UserDirectory {
  private readonly gateways = new Map<string, Map<string, SignedInSocket>>();
  private readonly sockets = new Map<string, number>();
  private readonly watchers = new Map<string, Map<string, number>>();

  signin(gatewayId: string, socket: SignedInSocket, changes: UserChange[]): void {
    let held = this.gateways.get(gatewayId);
    if (!held) {
      held = new Map();
      this.gateways.set(gatewayId, held);
    }
    const socketKey = key(socket.appId, socket.socketId);
    if (held.has(socketKey)) this.signout(gatewayId, socket.appId, socket.socketId, changes);
    held.set(socketKey, socket);
    for (const watched of socket.watchlist) this.adjustWatch(socket.appId, watched, socket.userId, 1);
    const userKey = key(socket.appId, socket.userId);
    const count = (this.sockets.get(userKey) ?? 0) + 1;
    this.sockets.set(userKey, count);
    if (count === 1) changes.push({ kind: 'online', appId: socket.appId, userId: socket.userId });
  }

  signout(gatewayId: string, appId: string, socketId: string, changes: UserChange[]): void {
    const held = this.gateways.get(gatewayId);
    const socket = held?.get(key(appId, socketId));
    if (!held || !socket) return;
    held.delete(key(appId, socketId));
    for (const watched of socket.watchlist) this.adjustWatch(appId, watched, socket.userId, -1);
    const userKey = key(appId, socket.userId);
    const count = (this.sockets.get(userKey) ?? 1) - 1;
    if (count > 0) {
      this.sockets.set(userKey, count);
      return;
    }
    this.sockets.delete(userKey);
    changes.push({ kind: 'offline', appId, userId: socket.userId });
  }

  removeGateway(gatewayId: string, changes: UserChange[]): void {
    for (const socket of [...(this.gateways.get(gatewayId)?.values() ?? [])]) this.signout(gatewayId, socket.appId, socket.socketId, changes);
    this.gateways.delete(gatewayId);
  }

  replaceGateway(gatewayId: string, sockets: readonly SignedInSocket[], changes: UserChange[]): void {
    const wanted = new Map(sockets.map((s) => [key(s.appId, s.socketId), s]));
    for (const [socketKey, socket] of [...(this.gateways.get(gatewayId) ?? [])]) {
      if (wanted.get(socketKey)?.userId !== socket.userId) this.signout(gatewayId, socket.appId, socket.socketId, changes);
    }
    const held = this.gateways.get(gatewayId);
    for (const socket of sockets) if (!held?.has(key(socket.appId, socket.socketId))) this.signin(gatewayId, socket, changes);
  }

  isOnline(appId: string, userId: string): boolean {
    return this.sockets.has(key(appId, userId));
  }

  /** Users whose watchlist contains `userId`. */
  watchersOf(appId: string, userId: string): string[] {
    return [...(this.watchers.get(key(appId, userId))?.keys() ?? [])];
  }

  private adjustWatch(appId: string, watched: string, watcher: string, delta: number): void {
    const watchedKey = key(appId, watched);
    let byWatcher = this.watchers.get(watchedKey);
    if (!byWatcher) {
      byWatcher = new Map();
      this.watchers.set(watchedKey, byWatcher);
    }
    const count = (byWatcher.get(watcher) ?? 0) + delta;
    if (count > 0) byWatcher.set(watcher, count);
    else byWatcher.delete(watcher);
    if (byWatcher.size === 0) this.watchers.delete(watchedKey);
  }
}
