/** The schema of Herald's process-level settings (everything except the apps). */
import { z } from 'zod';
import { DEFAULT_MEMORY_WEBHOOK_QUEUE_LIMITS } from '../webhooks/memory-webhook-queue';
import { trustedProxyProblem } from './trusted-proxies';

const port = z.number().int().min(0).max(65535);

/**
 * How long an idle keep-alive connection stays open: fastify's own default, which it sets
 * only on servers it creates itself. Node's 5 s would close publishers' pooled connections
 * between bursts, and a request sent as the server closes one fails with ECONNRESET. Longer
 * than the 60 s idle timeout of common load balancers, so they close first.
 */
export const DEFAULT_HTTP_KEEP_ALIVE_TIMEOUT_MS = 72_000;

const filePath = z.string().min(1);

export const serverSchema = z.strictObject({
  host: z.string().min(1).default('0.0.0.0'),
  /** Default depends on the command: 6001 for embedded/all/gateway, 6002 api, 6003 presence. */
  port: port.optional(),
  /**
   * A separate listener for /metrics, /healthz and /readyz (0 = any free port). Unset: they are
   * served on the main port, as before. Set: the main port keeps only /healthz.
   */
  metricsPort: port.optional(),
  /** Listen address of the metrics listener (default: `host`); only with `metricsPort`. */
  metricsHost: z.string().min(1).optional(),
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
  // NATS authentication, one way at most (nats-auth.ts): user and password (also read from a URL's
  // user:password@), a token, or a credentials file (JWT + NKey seed, as `nsc` writes it).
  natsUser: z.string().min(1).optional(),
  natsPassword: z.string().min(1).optional(),
  natsToken: z.string().min(1).optional(),
  natsCredsFile: filePath.optional(),
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
  /**
   * Cluster mode: the api publishes through the HERALD_EVENTS JetStream stream and answers 200
   * on its acknowledgement; a gateway that lost NATS replays from it. `off`: plain NATS
   * publishes (faster, but events published while a gateway reconnects can be lost).
   */
  eventJournal: z.enum(['on', 'off']).default('on'),
  /** How long the journal keeps events: the longest NATS outage a gateway recovers from without reconnecting its sockets. */
  eventJournalRetentionMs: z.number().int().min(30_000).default(120_000),
  eventJournalMaxBytes: z
    .number()
    .int()
    .min(1024 * 1024)
    .default(1024 * 1024 * 1024),
  /** JetStream replicas of the journal: 3 on a NATS cluster of three or more, so one node may die. */
  eventJournalReplicas: z.number().int().min(1).max(5).default(1),
  /** `memory`: cheaper; the stream's content lives as long as its nats-server. `file`: survives a nats-server restart. */
  eventJournalStorage: z.enum(['memory', 'file']).default('file'),
  /** Apps in PostgreSQL: full reload this often, besides LISTEN/NOTIFY (the fallback when a notification is lost). */
  appsRefreshMs: z.number().int().min(100).default(10_000),

  // Connection floods. Per-address limits are off by default: behind a NAT, or a proxy not
  // listed in trustedProxies, many users share one address.
  /** Open WebSockets per client address (0 = no limit); past it new ones get 4100. */
  maxConnectionsPerIp: z.number().int().min(0).default(0),
  /** New WebSockets accepted per client address per second (0 = no limit); past it 4100. */
  maxConnectionRatePerIp: z.number().int().min(0).default(0),
  /** Proxies (addresses, CIDRs, or loopback / linklocal / uniquelocal) whose X-Forwarded-For names the client. */
  trustedProxies: z
    .array(z.string())
    .default([])
    .superRefine((entries, ctx) => {
      for (const entry of entries) {
        const problem = trustedProxyProblem(entry);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }
    }),
  /** Overload guard: open WebSockets per process (0 = no limit); past it new ones get 4100. */
  maxConnectionsPerProcess: z.number().int().min(0).default(0),
  /** Overload guard: resident memory in MiB past which new WebSockets get 4100 (0 = off). */
  overloadMaxRssMb: z.number().int().min(0).default(0),
  /** Overload guard: V8 heap in use, as a percentage of its limit, past which new WebSockets get 4100 (0 = off). */
  overloadMaxHeapPercent: z.number().int().min(0).max(100).default(90),

  // Slow clients (slowloris): Node closes an HTTP connection that has not sent its request in time.
  /** A request's headers (and, with TLS, the handshake) must arrive within this. */
  httpHeadersTimeoutMs: z.number().int().min(100).default(10_000),
  /** A whole request, body included, must arrive within this. */
  httpRequestTimeoutMs: z.number().int().min(100).default(30_000),
  /** An idle keep-alive connection is closed after this. */
  httpKeepAliveTimeoutMs: z.number().int().min(100).default(DEFAULT_HTTP_KEEP_ALIVE_TIMEOUT_MS),

  // TLS: with a certificate and key, the port serves https:// and wss:// only.
  tlsCertFile: filePath.optional(),
  tlsKeyFile: filePath.optional(),
  /** Intermediate certificates to send with the certificate, if not in the certificate file. */
  tlsCaFile: filePath.optional(),
  tlsKeyPassphrase: z.string().optional(),
  /** How often the certificate files are read again; a change is served to new connections. */
  tlsReloadIntervalMs: z.number().int().min(100).default(5000),
});

export type ServerConfig = z.infer<typeof serverSchema>;
