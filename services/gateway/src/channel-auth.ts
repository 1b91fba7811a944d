/**
 * The signature a client presents to subscribe to a private, encrypted or presence channel —
 * Pusher's `<key>:HMAC(secret, "<socket_id>:<channel>[:<channel_data>]")`, made by the app's
 * auth endpoint — and a presence subscription's channel_data, which names the member.
 * A refusal throws SubscriptionRefused: AuthError 401, or PresenceError 400 for bad channel_data.
 */
import { SubscriptionRefused } from '../../core/src/protocol/errors';
import { verifyChannelAuth } from '../../core/src/signing/socket-auth';
import { parseChannelData } from './channel-data';
import type { Connection } from './connection';
import type { PresenceMember } from './presence-link';

/** Private and encrypted channels (and their cache- variants). */
export function authorizePrivate(connection: Connection, channel: string, data: Record<string, unknown>): void {
  verify(connection, channel, requiredAuth(channel, data));
}

/** Presence channels: returns the member that channel_data describes. */
export function authorizePresence(connection: Connection, channel: string, data: Record<string, unknown>): PresenceMember {
  const auth = requiredAuth(channel, data);
  const channelData = data.channel_data;
  if (typeof channelData !== 'string') throw SubscriptionRefused.auth(channel, `channel_data for subscription to ${channel} is required`);
  verify(connection, channel, auth, channelData);
  const member = parseChannelData(channelData, connection.app.limits);
  if (!member.ok) throw SubscriptionRefused.presence(channel, member.error, 400);
  return { userId: member.userId, userInfo: member.userInfo };
}

function requiredAuth(channel: string, data: Record<string, unknown>): string {
  const auth = data.auth;
  if (typeof auth !== 'string' || auth.length === 0) throw SubscriptionRefused.auth(channel, `Auth value for subscription to ${channel} is required`);
  return auth;
}

function verify(connection: Connection, channel: string, auth: string, channelData?: string): void {
  if (!verifyChannelAuth(connection.app, connection.socketId, channel, auth, channelData)) {
    throw SubscriptionRefused.auth(channel, `Invalid signature: the auth for ${channel} does not match socket ${connection.socketId}`);
  }
}
