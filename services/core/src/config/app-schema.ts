/**
 * The schema of one app (tenant): credentials, switches and limits. Defaults are Pusher's
 * documented limits; every limit can be overridden per app.
 */
import { z } from 'zod';

export const appLimitsSchema = z.strictObject({
  /** Concurrent connections for the app; 0 = unlimited. Over it: pusher:error 4004. */
  maxConnections: z.number().int().min(0).default(0),
  /** Size of an event's `data` (HTTP API and client events). Over it: HTTP 413 / pusher:error. */
  maxEventPayloadBytes: z.number().int().min(1).default(10 * 1024),
  maxChannelsPerTrigger: z.number().int().min(1).default(100),
  maxEventsPerBatch: z.number().int().min(1).default(10),
  maxChannelNameLength: z.number().int().min(1).default(200),
  maxEventNameLength: z.number().int().min(1).default(200),
  maxPresenceMembers: z.number().int().min(1).default(100),
  maxPresenceUserInfoBytes: z.number().int().min(1).default(1024),
  maxUserIdLength: z.number().int().min(1).default(128),
  clientEventsPerSecond: z.number().int().min(1).default(10),
});

export const appSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_-]+$/, 'app id may only contain A-Z a-z 0-9 _ -').max(64),
  key: z.string().min(1).max(128).regex(/^[A-Za-z0-9_.-]+$/, 'app key may only contain A-Z a-z 0-9 _ - .'),
  secret: z.string().min(1),
  name: z.string().optional(),
  enabled: z.boolean().default(true),
  clientEvents: z.boolean().default(true),
  limits: appLimitsSchema.default(appLimitsSchema.parse({})),
});

export const appsFileSchema = z.strictObject({
  apps: z.array(appSchema).min(1, 'at least one app is required'),
});

export type AppLimits = z.infer<typeof appLimitsSchema>;
export type AppConfig = z.infer<typeof appSchema>;
