/**
 * Where producers (presence, gateways) put webhook events. In embedded mode the webhooks
 * service's in-memory queue; in cluster mode a JetStream stream. `emit` never blocks the
 * producer; implementations that can fail log and count the failure.
 */
import type { App } from '../apps/app-registry';
import type { WebhookEventMessage } from '../codec/messages';
import type { WebhookEventName } from '../config/app-schema';

export interface WebhookSink {
  emit(event: WebhookEventMessage): void;
}

/** Whether any of the app's webhooks wants this kind of event (producers skip the work otherwise). */
export function wantsWebhook(app: App | undefined, name: WebhookEventName): boolean {
  return Boolean(app?.webhooks.some((w) => w.events.includes(name)));
}
