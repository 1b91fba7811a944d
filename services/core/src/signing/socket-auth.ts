/**
 * The signatures a client presents over the WebSocket, exactly as Pusher defines them:
 * - channel auth: `<key>:hex(HMAC-SHA256(secret, "<socket_id>:<channel>[:<channel_data>]"))`
 * - user auth (pusher:signin): `<key>:hex(HMAC-SHA256(secret, "<socket_id>::user::<user_data>"))`
 */
import { hmacSha256Hex, safeEqual } from './hmac';

export interface AppCredentials {
  readonly key: string;
  readonly secret: string;
}

export function signChannelAuth(app: AppCredentials, socketId: string, channel: string, channelData?: string): string {
  const message = channelData === undefined ? `${socketId}:${channel}` : `${socketId}:${channel}:${channelData}`;
  return `${app.key}:${hmacSha256Hex(app.secret, message)}`;
}

export function verifyChannelAuth(app: AppCredentials, socketId: string, channel: string, auth: string, channelData?: string): boolean {
  return safeEqual(auth, signChannelAuth(app, socketId, channel, channelData));
}

export function signUserAuth(app: AppCredentials, socketId: string, userData: string): string {
  return `${app.key}:${hmacSha256Hex(app.secret, `${socketId}::user::${userData}`)}`;
}

export function verifyUserAuth(app: AppCredentials, socketId: string, auth: string, userData: string): boolean {
  return safeEqual(auth, signUserAuth(app, socketId, userData));
}
