/**
 * The schema of one app (tenant): credentials, switches and limits. Defaults are Pusher's
 * documented limits; every limit can be overridden per app.
 */
import { z } from 'zod';

export const appLimitsSchema = z.strictObject({
  /** Concurrent connections for the app; 0 = unlimited. Over it: pusher:error 4004. */
  maxConnections: z.number().int().min(0).default(0),
  /** Size of an event's `data` (HTTP API and client events). Over it: HTTP 413 / pusher:error. */
  maxEventPayloadBytes: z
    .number()
    .int()
    .min(1)
    .default(10 * 1024),
  maxChannelsPerTrigger: z.number().int().min(1).default(100),
  maxEventsPerBatch: z.number().int().min(1).default(10),
  maxChannelNameLength: z.number().int().min(1).default(200),
  maxEventNameLength: z.number().int().min(1).default(200),
  maxPresenceMembers: z.number().int().min(1).default(100),
  maxPresenceUserInfoBytes: z.number().int().min(1).default(1024),
  maxUserIdLength: z.number().int().min(1).default(128),
  clientEventsPerSecond: z.number().int().min(1).default(10),
  /**
   * Channels one connection may be subscribed to at once. Over it: pusher:subscription_error
   * (LimitReached, 403). Apps commonly put up to 100 on a socket; 1000 leaves ten times that.
   */
  maxSubscriptionsPerConnection: z.number().int().min(1).default(1000),
  /**
   * Frames of every kind one connection may send per second on average (its bucket refills at
   * this rate; never below clientEventsPerSecond). Over it: pusher:error 4301, the frame unhandled.
   */
  framesPerSecond: z.number().int().min(1).default(100),
  /**
   * Frames a connection may send at once before the rate applies (the bucket's size; never
   * below 2 × maxSubscriptionsPerConnection, so a reconnect that resubscribes everything fits).
   */
  frameBurst: z.number().int().min(1).default(2000),
  /** HTTP API requests per second for the app (per api process); 0 = unlimited. Over it: 429. */
  maxApiRequestsPerSecond: z.number().int().min(0).default(0),
  maxWatchlistSize: z.number().int().min(0).default(100),
  /** How long a cache channel keeps its last event. */
  cacheTtlSeconds: z
    .number()
    .int()
    .min(1)
    .default(30 * 60),
});

const WEBHOOK_EVENT_NAMES = ['channel_occupied', 'channel_vacated', 'member_added', 'member_removed', 'client_event', 'cache_miss', 'subscription_count'] as const;
export type WebhookEventName = (typeof WEBHOOK_EVENT_NAMES)[number];

const webhookSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/ }),
  /** Which events this URL receives; all of them when left out. */
  events: z
    .array(z.enum(WEBHOOK_EVENT_NAMES))
    .min(1)
    .default([...WEBHOOK_EVENT_NAMES]),
  /** Extra headers sent with every POST (e.g. an auth token of the receiver). */
  headers: z.record(z.string(), z.string()).default({}),
});

const userAuthenticationSchema = z.strictObject({
  /** Close connections that have not signed in (pusher:signin) within `timeoutSeconds` (4009). */
  required: z.boolean().default(false),
  timeoutSeconds: z.number().int().min(1).default(30),
});

export const appSchema = z.strictObject({
  id: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, 'app id may only contain A-Z a-z 0-9 _ -')
    .max(64),
  key: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[A-Za-z0-9_.-]+$/, 'app key may only contain A-Z a-z 0-9 _ - .'),
  secret: z.string().min(1),
  name: z.string().optional(),
  enabled: z.boolean().default(true),
  clientEvents: z.boolean().default(true),
  /** Online/offline events for signed-in users' watchlists (Pusher: enabled per app). */
  watchlistEvents: z.boolean().default(false),
  /** pusher_internal:subscription_count to subscribers of non-presence channels. */
  subscriptionCountEvents: z.boolean().default(false),
  userAuthentication: userAuthenticationSchema.default(userAuthenticationSchema.parse({})),
  webhooks: z.array(webhookSchema).default([]),
  limits: appLimitsSchema.default(appLimitsSchema.parse({})),
});

export const appsFileSchema = z.strictObject({
  apps: z.array(appSchema).min(1, 'at least one app is required'),
});

export type AppLimits = z.infer<typeof appLimitsSchema>;
export type WebhookConfig = z.infer<typeof webhookSchema>;
export type AppConfig = z.infer<typeof appSchema>;
