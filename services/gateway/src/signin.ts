/**
 * pusher:signin — user authentication. The signature is Pusher's
 * `HMAC(secret, "<socket_id>::user::<user_data>")`; `user_data` must carry a non-empty `id`
 * and may carry a `watchlist`. Success: `pusher:signin_success`, the socket is indexed
 * under its user (server-to-user events, terminate) and reported to presence (watchlists).
 * Failure: pusher:error 4009 and close, as Pusher closes unauthorised connections.
 * With tracing on, each signin is a `pusher:signin` span (gateway-spans.ts).
 */
import type { Logger } from '../../core/src/logging/logger';
import { ProtocolError, PusherErrors } from '../../core/src/protocol/errors';
import { signinSuccessFrame, watchlistEventsFrame } from '../../core/src/protocol/frames';
import { verifyUserAuth } from '../../core/src/signing/socket-auth';
import type { Tracing } from '../../core/src/tracing/tracing';
import type { Connection } from './connection';
import { GatewaySpans } from './gateway-spans';
import type { PresenceLink } from './presence-link';
import type { UserRegistry } from './user-registry';

interface UserData {
  readonly id: string;
  readonly watchlist: string[];
}

function readUserData(userData: string, maxIdLength: number, maxWatchlist: number): UserData | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(userData);
  } catch {
    return 'user_data must be a JSON object';
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return 'user_data must be a JSON object';
  const { id, watchlist } = parsed as { id?: unknown; watchlist?: unknown };
  if (typeof id !== 'string' || id.length === 0) return 'user_data.id must be a non-empty string';
  if (id.length > maxIdLength) return `user id is ${id.length} characters; the limit is ${maxIdLength}`;
  if (watchlist === undefined) return { id, watchlist: [] };
  if (!Array.isArray(watchlist) || !watchlist.every((w) => typeof w === 'string')) return 'user_data.watchlist must be an array of user ids';
  if (watchlist.length > maxWatchlist) return `watchlist has ${watchlist.length} users; the limit is ${maxWatchlist}`;
  return { id, watchlist: [...new Set(watchlist as string[])] };
}

export class Signin {
  /** With tracing on only. */
  private readonly spans: GatewaySpans | undefined;

  constructor(
    private readonly users: UserRegistry,
    private readonly presence: PresenceLink,
    private readonly logger: Logger,
    tracing?: Tracing,
  ) {
    this.spans = tracing?.enabled ? new GatewaySpans(tracing.tracer) : undefined;
  }

  handle(connection: Connection, data: Record<string, unknown>): Promise<void> {
    if (this.spans) return this.spans.signin(connection, () => this.signIn(connection, data));
    return this.signIn(connection, data);
  }

  private async signIn(connection: Connection, data: Record<string, unknown>): Promise<void> {
    const { app } = connection;
    const { auth, user_data: userData } = data;
    if (typeof auth !== 'string' || typeof userData !== 'string') {
      throw new ProtocolError(PusherErrors.unauthorized, 'pusher:signin needs "auth" and "user_data" strings');
    }
    if (!verifyUserAuth(app, connection.socketId, auth, userData)) {
      throw new ProtocolError(PusherErrors.unauthorized, `Invalid signature for the user data of socket ${connection.socketId}`);
    }
    const user = readUserData(userData, app.limits.maxUserIdLength, app.limits.maxWatchlistSize);
    if (typeof user === 'string') throw new ProtocolError(PusherErrors.unauthorized, user);
    if (connection.userId !== undefined && connection.userId !== user.id) {
      throw ProtocolError.invalidFrame(`Already signed in as ${connection.userId}`);
    }
    const first = connection.userId === undefined;
    connection.userId = user.id;
    if (first) await this.users.add(connection, user.id);
    if (connection.closed) return;
    connection.send(signinSuccessFrame(userData));
    if (!first) return;

    const watchlist = app.watchlistEvents ? user.watchlist : [];
    const online = await this.presence.signin(app.id, connection.socketId, user.id, watchlist);
    if (online.length > 0 && !connection.closed) {
      connection.send(watchlistEventsFrame('online', online));
    }
    this.logger.debug({ socketId: connection.socketId, userId: user.id }, 'signed in');
  }

  /** The socket is gone. */
  signout(connection: Connection): void {
    if (connection.userId === undefined) return;
    this.users.remove(connection);
    this.presence.signout(connection.app.id, connection.socketId);
  }
}
