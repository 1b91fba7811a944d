/**
 * Signed-in users on this gateway, and the gateway's interest in their user subjects
 * (`herald.user.<app>.<id>`): server-to-user events, watchlist events and connection
 * termination reach every socket of the user, on whichever gateway it is.
 */
import type { Bus, BusSubscription } from '../../core/src/bus/bus';
import { subjects } from '../../core/src/bus/subjects';
import type { Logger } from '../../core/src/logging/logger';
import type { Connection } from './connection';

export class LocalUser {
  readonly sockets = new Set<Connection>();
  busSubscription: BusSubscription | undefined;
  interest: Promise<void> = Promise.resolve();
  constructor(
    readonly appId: string,
    readonly userId: string,
    readonly subject: string,
  ) {}
}

export interface UserRegistryOptions {
  readonly bus: Bus;
  readonly logger: Logger;
  readonly onMessage: (user: LocalUser, data: Uint8Array) => void;
  readonly interestTimeoutMs: number;
}

export class UserRegistry {
  private readonly users = new Map<string, LocalUser>();

  constructor(private readonly options: UserRegistryOptions) {}

  /** Adds a signed-in socket; resolves once the bus delivers the user's events here. */
  async add(connection: Connection, userId: string): Promise<void> {
    const appId = connection.app.id;
    const subject = subjects.user(appId, userId);
    let user = this.users.get(subject);
    if (!user) {
      const created = new LocalUser(appId, userId, subject);
      this.users.set(subject, created);
      created.busSubscription = this.options.bus.subscribe(subject, (msg) => this.options.onMessage(created, msg.data));
      created.interest = this.options.bus.flush(this.options.interestTimeoutMs).catch((err: unknown) => {
        this.options.logger.warn({ err, userId }, 'bus did not confirm user interest in time; continuing');
      });
      user = created;
    }
    user.sockets.add(connection);
    await user.interest;
  }

  /** The subjects of every local user (what a replay after a bus outage asks for). */
  subjects(): string[] {
    return [...this.users.keys()];
  }

  /** A replayed message for `subject`, delivered as if it had arrived live; false when no local user has it. */
  deliver(subject: string, data: Uint8Array): boolean {
    const user = this.users.get(subject);
    if (!user) return false;
    this.options.onMessage(user, data);
    return true;
  }

  remove(connection: Connection): void {
    if (connection.userId === undefined) return;
    const subject = subjects.user(connection.app.id, connection.userId);
    const user = this.users.get(subject);
    if (!user?.sockets.delete(connection) || user.sockets.size > 0) return;
    user.busSubscription?.unsubscribe();
    this.users.delete(subject);
  }
}
