/**
 * Webhook events in Pusher's JSON format, plus `id`: a stable id per event, so a receiver
 * can drop the duplicates that at-least-once delivery may produce.
 */
import type { QueuedEvent } from '../../core/src/webhooks/webhook-queue';

function pusherWebhookEvent(event: QueuedEvent): Record<string, unknown> {
  const out: Record<string, unknown> = { name: event.name, channel: event.channel };
  switch (event.name) {
    case 'member_added':
    case 'member_removed':
      out.user_id = event.userId;
      break;
    case 'client_event':
      out.event = event.event;
      out.data = event.data;
      out.socket_id = event.socketId;
      if (event.userId) out.user_id = event.userId;
      break;
    case 'subscription_count':
      out.subscription_count = event.subscriptionCount;
      break;
    default:
      break;
  }
  out.id = event.id;
  return out;
}

/** The POST body: `{"time_ms": …, "events": [ … ]}`. */
export function webhookBody(events: readonly QueuedEvent[], nowMs: number): string {
  return JSON.stringify({ time_ms: nowMs, events: events.map(pusherWebhookEvent) });
}
