/**
 * The environment variables Herald reads, each mapped to one setting. Any other `HERALD_*`
 * variable is an error, so a typo is reported instead of silently ignored.
 */
import type { ServerConfig } from './server-schema';

type Parser = 'string' | 'int' | 'list';

export const SERVER_ENV_VARS: Readonly<Record<string, readonly [keyof ServerConfig, Parser]>> = {
  HERALD_HOST: ['host', 'string'],
  HERALD_PORT: ['port', 'int'],
  HERALD_METRICS_HOST: ['metricsHost', 'string'],
  HERALD_METRICS_PORT: ['metricsPort', 'int'],
  HERALD_LOG_LEVEL: ['logLevel', 'string'],
  HERALD_ACTIVITY_TIMEOUT: ['activityTimeoutSeconds', 'int'],
  HERALD_PONG_TIMEOUT: ['pongTimeoutSeconds', 'int'],
  HERALD_MAX_FRAME_BYTES: ['maxFrameBytes', 'int'],
  HERALD_MAX_SOCKET_BUFFER_BYTES: ['maxSocketBufferBytes', 'int'],
  HERALD_NATS_URL: ['natsServers', 'list'],
  HERALD_NATS_USER: ['natsUser', 'string'],
  HERALD_NATS_PASSWORD: ['natsPassword', 'string'],
  HERALD_NATS_TOKEN: ['natsToken', 'string'],
  HERALD_NATS_CREDS_FILE: ['natsCredsFile', 'string'],
  HERALD_GATEWAY_ID: ['gatewayId', 'string'],
  HERALD_GATEWAY_WORKERS: ['gatewayWorkers', 'int'],
  HERALD_LEASE_INTERVAL_MS: ['leaseIntervalMs', 'int'],
  HERALD_LEASE_TTL_MS: ['leaseTtlMs', 'int'],
  HERALD_PRESENCE_SYNC_GRACE_MS: ['presenceSyncGraceMs', 'int'],
  HERALD_DRAIN_RATE: ['drainSocketsPerSecond', 'int'],
  HERALD_DRAIN_TIMEOUT_MS: ['drainTimeoutMs', 'int'],
  HERALD_API_MAX_SKEW_SECONDS: ['apiMaxSkewSeconds', 'int'],
  HERALD_BUS_TIMEOUT_MS: ['busTimeoutMs', 'int'],
  HERALD_WEBHOOK_RETRY_WINDOW_MS: ['webhookRetryWindowMs', 'int'],
  HERALD_WEBHOOK_TIMEOUT_MS: ['webhookTimeoutMs', 'int'],
  HERALD_WEBHOOK_ACK_WAIT_MS: ['webhookAckWaitMs', 'int'],
  HERALD_WEBHOOK_QUEUE_MAX_BYTES: ['webhookQueueMaxBytes', 'int'],
  HERALD_WEBHOOK_DEAD_LETTERS_MAX_BYTES: ['webhookDeadLettersMaxBytes', 'int'],
  HERALD_APPS_REFRESH_MS: ['appsRefreshMs', 'int'],
  HERALD_EVENT_JOURNAL: ['eventJournal', 'string'],
  HERALD_EVENT_JOURNAL_RETENTION_MS: ['eventJournalRetentionMs', 'int'],
  HERALD_EVENT_JOURNAL_MAX_BYTES: ['eventJournalMaxBytes', 'int'],
  HERALD_EVENT_JOURNAL_REPLICAS: ['eventJournalReplicas', 'int'],
  HERALD_EVENT_JOURNAL_STORAGE: ['eventJournalStorage', 'string'],
  HERALD_MAX_CONNECTIONS_PER_IP: ['maxConnectionsPerIp', 'int'],
  HERALD_MAX_CONNECTION_RATE_PER_IP: ['maxConnectionRatePerIp', 'int'],
  HERALD_TRUSTED_PROXIES: ['trustedProxies', 'list'],
  HERALD_MAX_CONNECTIONS_PER_PROCESS: ['maxConnectionsPerProcess', 'int'],
  HERALD_OVERLOAD_MAX_RSS_MB: ['overloadMaxRssMb', 'int'],
  HERALD_OVERLOAD_MAX_HEAP_PERCENT: ['overloadMaxHeapPercent', 'int'],
  HERALD_HTTP_HEADERS_TIMEOUT_MS: ['httpHeadersTimeoutMs', 'int'],
  HERALD_HTTP_REQUEST_TIMEOUT_MS: ['httpRequestTimeoutMs', 'int'],
  HERALD_HTTP_KEEP_ALIVE_TIMEOUT_MS: ['httpKeepAliveTimeoutMs', 'int'],
  HERALD_TLS_CERT_FILE: ['tlsCertFile', 'string'],
  HERALD_TLS_KEY_FILE: ['tlsKeyFile', 'string'],
  HERALD_TLS_CA_FILE: ['tlsCaFile', 'string'],
  HERALD_TLS_KEY_PASSPHRASE: ['tlsKeyPassphrase', 'string'],
  HERALD_TLS_RELOAD_INTERVAL_MS: ['tlsReloadIntervalMs', 'int'],
};

/** Variables about apps, read by the apps loader (HERALD_APPS_FILE may be a postgres:// URL). */
export const APP_ENV_VARS = ['HERALD_APPS_FILE', 'HERALD_APP_ID', 'HERALD_APP_KEY', 'HERALD_APP_SECRET'] as const;

/** Variables other parts read directly (worker processes, telemetry). */
export const OTHER_ENV_VARS = ['HERALD_WORKER_INDEX'] as const;

export function parseEnvValue(parser: Parser, raw: string): unknown {
  if (parser === 'string') return raw;
  if (parser === 'list')
    return raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  const n = Number(raw);
  // Leave a non-number as the string so the schema reports "expected number" with the name.
  return raw.trim() !== '' && Number.isFinite(n) ? n : raw;
}
