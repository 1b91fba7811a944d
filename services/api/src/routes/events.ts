/**
 * Triggering events: the answer to POST /apps/:app_id/events (`triggerEvent`, served by
 * events-endpoint.ts outside fastify) and the POST /apps/:app_id/batch_events route.
 */
import type { Context } from '@opentelemetry/api';
import type { FastifyInstance } from 'fastify';
import type { App } from '../../../core/src/apps/app-registry';
import { classifyChannel } from '../../../core/src/protocol/channel-names';
import { apiErrors } from '../api-errors';
import type { ChannelInfo, ChannelInfoClient } from '../channel-info-client';
import { type EventPublisher, readTrigger, type TriggerRequest } from '../event-publisher';
import { authenticatedApp } from '../request-auth';
import '../request-span';

export interface EventRoutesOptions {
  readonly publisher: EventPublisher;
  readonly channelInfo: ChannelInfoClient;
}

/** The attributes `info` asked for, for one channel; user_count only exists for presence channels. */
function attributes(channel: string, info: readonly string[], known: ChannelInfo | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  if (info.includes('user_count') && classifyChannel(channel).type === 'presence') out.user_count = known?.userCount ?? 0;
  if (info.includes('subscription_count')) out.subscription_count = known?.subscriptionCount ?? 0;
  return out;
}

/** Counts are read before publishing, so a presence outage fails the request before anything is sent. */
async function channelInfoFor(app: App, triggers: readonly TriggerRequest[], client: ChannelInfoClient): Promise<Map<string, ChannelInfo>> {
  const wanted = new Set(triggers.filter((t) => t.info.length > 0).flatMap((t) => t.channels));
  if (wanted.size === 0) return new Map();
  return client.channels(app.id, [...wanted]);
}

/** POST /apps/:app_id/events for an authenticated app: the answer's body (errors throw ApiError). */
export async function triggerEvent(app: App, body: unknown, options: EventRoutesOptions, trace?: Context): Promise<object> {
  const trigger = readTrigger(body, app, false);
  const info = await channelInfoFor(app, [trigger], options.channelInfo);
  await options.publisher.publish(app, [trigger], trace);
  if (trigger.info.length === 0) return {};
  const channels: Record<string, Record<string, number>> = {};
  for (const channel of trigger.channels) channels[channel] = attributes(channel, trigger.info, info.get(channel));
  return { channels };
}

export async function batchEventsRoute(fastify: FastifyInstance, options: EventRoutesOptions): Promise<void> {
  fastify.post('/apps/:app_id/batch_events', async (request) => {
    const app = authenticatedApp(request);
    const body = request.body as { batch?: unknown } | undefined;
    if (!body || !Array.isArray(body.batch)) throw apiErrors.batchNotAnArray();
    if (body.batch.length === 0) throw apiErrors.batchEmpty();
    if (body.batch.length > app.limits.maxEventsPerBatch) {
      throw apiErrors.batchTooLarge({ count: body.batch.length, limit: app.limits.maxEventsPerBatch });
    }
    const triggers = body.batch.map((item) => readTrigger(item, app, true));
    const info = await channelInfoFor(app, triggers, options.channelInfo);
    await options.publisher.publish(app, triggers, request.heraldSpan?.context);
    if (triggers.every((t) => t.info.length === 0)) return {};
    return { batch: triggers.map((t) => attributes(t.channels[0], t.info, info.get(t.channels[0]))) };
  });
}
