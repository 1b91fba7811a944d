/** The schema of Herald's process-level settings (everything except the apps). */
import { z } from 'zod';
import { DEFAULT_MEMORY_WEBHOOK_QUEUE_LIMITS } from '../webhooks/memory-webhook-queue';

const port = z.number().int().min(0).max(65535);

export const serverSchema = z.strictObject({
  host: z.string().min(1).default('0.0.0.0'),
  /** Default depends on the command: 6001 for embedded/all/gateway, 6002 api, 6003 presence. */
  port: port.optional(),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Seconds sent to clients in connection_established; they ping after this much silence. */
  activityTimeoutSeconds: z.number().int().min(1).max(3600).default(120),
  /** After pinging a silent client, how long to wait for any frame before closing with 4201. */
  pongTimeoutSeconds: z.number().int().min(1).max(600).default(30),
  /** Largest WebSocket frame accepted from a client; a larger one closes that socket (1009). */
  maxFrameBytes: z
    .number()
    .int()
    .min(1024)
    .default(64 * 1024),
  /** A socket whose unsent bytes pass this is closed with 4100 instead of buffering without bound. */
  maxSocketBufferBytes: z
    .number()
    .int()
    .min(1024)
    .default(4 * 1024 * 1024),
  /** NATS servers; empty = embedded in-process bus. */
  natsServers: z.array(z.string().regex(/^(nats|tls|ws|wss):\/\//, 'must be a nats:// URL')).default([]),
  gatewayId: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/)
    .optional(),
  gatewayWorkers: z.number().int().min(1).max(256).optional(),
  leaseIntervalMs: z.number().int().min(100).default(5000),
  leaseTtlMs: z.number().int().min(300).default(15000),
  /** How long a starting presence replica gathers gateway state before answering. */
  presenceSyncGraceMs: z.number().int().min(0).default(1500),
  drainSocketsPerSecond: z.number().int().min(1).default(500),
  drainTimeoutMs: z.number().int().min(0).default(30000),
  apiMaxSkewSeconds: z.number().int().min(1).default(600),
  /** How long the api waits for the bus to confirm a publish before answering 503. */
  busTimeoutMs: z.number().int().min(10).default(2000),
  /** Webhook retries go on this long after an event was queued (Pusher: 5 minutes). */
  webhookRetryWindowMs: z
    .number()
    .int()
    .min(1000)
    .default(5 * 60 * 1000),
  /** A webhook receiver must answer 2xx within this. */
  webhookTimeoutMs: z.number().int().min(100).default(4000),
  /** Embedded mode: approximate bytes of webhook events the in-memory queue holds; past it the oldest move to the dead letters. */
  webhookQueueMaxBytes: z.number().int().min(1024).default(DEFAULT_MEMORY_WEBHOOK_QUEUE_LIMITS.maxBytes),
  /** Embedded mode: approximate bytes of dead letters kept in memory; past it the oldest are discarded. */
  webhookDeadLettersMaxBytes: z.number().int().min(1024).default(DEFAULT_MEMORY_WEBHOOK_QUEUE_LIMITS.maxDeadLetterBytes),
  /** Cluster mode: a delivery not acknowledged this long (its process died) is handed out again. */
  webhookAckWaitMs: z.number().int().min(1000).default(30_000),
  /** Apps in PostgreSQL: full reload this often, besides LISTEN/NOTIFY (the fallback when a notification is lost). */
  appsRefreshMs: z.number().int().min(100).default(10_000),
});

export type ServerConfig = z.infer<typeof serverSchema>;
