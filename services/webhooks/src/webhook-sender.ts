/** POSTs one signed webhook body to one receiver; only a 2xx within the timeout counts. */
import type { App } from '../../core/src/apps/app-registry';
import type { WebhookConfig } from '../../core/src/config/app-schema';
import { signWebhookBody } from '../../core/src/signing/webhook-signature';

/** `status` is the receiver's HTTP status, when it answered. */
export type SendResult = { readonly ok: true; readonly status: number } | { readonly ok: false; readonly reason: string; readonly status?: number };

/** `traceparent`: the attempt span's, so the receiver can continue the trace (tracing on, sampled events). */
export async function sendWebhook(app: App, webhook: WebhookConfig, body: string, timeoutMs: number, traceparent?: string): Promise<SendResult> {
  try {
    const response = await fetch(webhook.url, {
      method: 'POST',
      headers: {
        ...webhook.headers,
        'content-type': 'application/json',
        'x-pusher-key': app.key,
        'x-pusher-signature': signWebhookBody(app.secret, body),
        ...(traceparent ? { traceparent } : {}),
      },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    // Drain the body so the connection can be reused.
    await response.arrayBuffer().catch(() => undefined);
    if (response.status >= 200 && response.status < 300) return { ok: true, status: response.status };
    return { ok: false, reason: `${webhook.url} answered ${response.status}`, status: response.status };
  } catch (err) {
    const error = err as Error & { cause?: { message?: string } };
    // fetch says only "fetch failed"; its cause names the problem (connect ECONNREFUSED 127.0.0.1:9).
    const detail = error.cause?.message ? `${error.message} (${error.cause.message})` : error.message;
    const reason = error.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : detail;
    return { ok: false, reason: `${webhook.url}: ${reason}` };
  }
}
