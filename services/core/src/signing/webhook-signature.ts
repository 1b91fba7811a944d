/** Pusher's webhook signature: `X-Pusher-Signature` = hex HMAC-SHA256 of the body with the app secret. */
import { hmacSha256Hex } from './hmac';

export function signWebhookBody(secret: string, body: string): string {
  return hmacSha256Hex(secret, body);
}
