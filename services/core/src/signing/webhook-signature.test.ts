import assert from 'node:assert/strict';
import { it } from 'node:test';
import { signWebhookBody } from './webhook-signature';

it('signs a webhook body as X-Pusher-Signature: hex HMAC-SHA256 of the exact body with the app secret', () => {
  const body = '{"time_ms":1327078148132,"events":[{"name":"channel_occupied","channel":"test_channel"}]}';
  // Computed independently (Python hmac) for this body and secret.
  const expected = '709fdb84c03664445f7698120b0edf0acc1ab1c8c6e93a0368c61841d6b998aa';
  assert.equal(signWebhookBody('7ad3773142a6692b25b8', body), expected);
  assert.notEqual(signWebhookBody('7ad3773142a6692b25b8', `${body} `), expected);
});
