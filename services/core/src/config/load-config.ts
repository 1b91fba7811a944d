/**
 * Builds Herald's configuration once, at start-up, from (in rising priority) defaults,
 * `HERALD_*` environment variables and command-line flags, then validates it. Every problem
 * names the field and its source; unknown `HERALD_*` variables are problems too.
 */

import { WEBHOOK_BATCH_MAX_WAIT_MS } from '../webhooks/webhook-batching';
import type { AppConfig } from './app-schema';
import { appsDatabaseUrlProblem, isAppsDatabaseUrl, redactDatabaseUrl } from './apps-database-url';
import { ConfigError } from './config-error';
import { APP_ENV_VARS, OTHER_ENV_VARS, parseEnvValue, SERVER_ENV_VARS } from './env-vars';
import { isKubernetesServiceLink } from './kubernetes-service-links';
import { defaultApp, isAppsProblem, type LoadedApps, loadAppsFile } from './load-apps';
import { natsAuthProblems } from './nats-auth-settings';
import { type ServerConfig, serverSchema } from './server-schema';
import { tlsProblems } from './tls-settings';

export interface HeraldConfig {
  readonly server: ServerConfig;
  /** The apps from the file or the default-app variables; empty when they come from PostgreSQL. */
  readonly apps: AppConfig[];
  readonly appsSource: string;
  /** `--apps postgres://…`: apps are loaded (and kept up to date) from this database at start. */
  readonly appsDatabaseUrl?: string;
  /** Where the apps' secrets are kept; absent only for the built-in development app (see LoadedApps). */
  readonly secretsIn?: string;
}

/** A setting given on the command line, and the flag it came from (for messages). */
export interface FlagValue {
  readonly value: unknown;
  readonly flag: string;
}

export interface ConfigInput {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly flags?: Partial<Record<keyof ServerConfig, FlagValue>>;
  /** --apps; wins over HERALD_APPS_FILE. A file, or a postgres:// URL. */
  readonly appsFile?: string;
  readonly readFile?: (path: string) => string;
}

export function loadConfig(input: ConfigInput): HeraldConfig {
  const problems: string[] = [];
  const raw: Record<string, unknown> = {};
  const sourceOf: Record<string, string> = {};
  const known = new Set<string>([...Object.keys(SERVER_ENV_VARS), ...APP_ENV_VARS, ...OTHER_ENV_VARS]);

  for (const [name, value] of Object.entries(input.env)) {
    if (!name.startsWith('HERALD_') || value === undefined) continue;
    if (isKubernetesServiceLink(name, value)) continue;
    if (!known.has(name)) {
      problems.push(`${name}: unknown setting (known: ${[...known].sort().join(', ')})`);
      continue;
    }
    const mapping = SERVER_ENV_VARS[name];
    if (!mapping) continue;
    const [field, parser] = mapping;
    raw[field] = parseEnvValue(parser, value);
    sourceOf[field] = name;
  }
  for (const [field, given] of Object.entries(input.flags ?? {})) {
    if (!given || given.value === undefined) continue;
    raw[field] = given.value;
    sourceOf[field] = given.flag;
  }

  const parsed = serverSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = String(issue.path[0] ?? '');
      problems.push(`${sourceOf[field] ?? field}: ${issue.message}`);
    }
  }
  const server = parsed.success ? parsed.data : undefined;
  if (server && server.leaseTtlMs <= server.leaseIntervalMs) {
    problems.push(`${sourceOf.leaseTtlMs ?? 'leaseTtlMs'}: the lease TTL (${server.leaseTtlMs} ms) must be longer than the renewal interval (${server.leaseIntervalMs} ms)`);
  }
  if (server && server.metricsHost !== undefined && server.metricsPort === undefined) {
    problems.push(`${sourceOf.metricsHost ?? 'metricsHost'}: a metrics listen address needs a metrics port (HERALD_METRICS_PORT or --metrics-port)`);
  }
  // JetStream would hand a batch to another webhooks process while the first still delivers it.
  if (server && server.webhookAckWaitMs <= server.webhookTimeoutMs + WEBHOOK_BATCH_MAX_WAIT_MS) {
    problems.push(
      `${sourceOf.webhookAckWaitMs ?? 'webhookAckWaitMs'}: the webhook ack wait (${server.webhookAckWaitMs} ms) must be longer than a delivery can take (timeout ${server.webhookTimeoutMs} ms + ${WEBHOOK_BATCH_MAX_WAIT_MS} ms batching)`,
    );
  }

  if (server) problems.push(...tlsProblems(server, sourceOf), ...natsAuthProblems(server, sourceOf));
  // Node refuses a headers timeout longer than the request timeout that contains it.
  if (server && server.httpHeadersTimeoutMs > server.httpRequestTimeoutMs) {
    problems.push(
      `${sourceOf.httpHeadersTimeoutMs ?? 'httpHeadersTimeoutMs'}: the headers timeout (${server.httpHeadersTimeoutMs} ms) must not be longer than the request timeout (${server.httpRequestTimeoutMs} ms)`,
    );
  }

  let apps: LoadedApps | undefined;
  let appsDatabaseUrl: string | undefined;
  const appsFile = input.appsFile ?? input.env.HERALD_APPS_FILE;
  try {
    if (appsFile) {
      const isDatabase = isAppsDatabaseUrl(appsFile);
      const shown = isDatabase ? redactDatabaseUrl(appsFile) : appsFile;
      for (const name of ['HERALD_APP_ID', 'HERALD_APP_KEY', 'HERALD_APP_SECRET']) {
        if (input.env[name] !== undefined) problems.push(`${name}: not used when an apps file is given (${shown}); set the app there`);
      }
      if (isDatabase) {
        const problem = appsDatabaseUrlProblem(appsFile);
        if (problem) problems.push(`${input.appsFile !== undefined ? '--apps' : 'HERALD_APPS_FILE'}: ${problem}`);
        appsDatabaseUrl = appsFile.trim();
        apps = { apps: [], source: `PostgreSQL ${shown} (table herald_apps)`, secretsIn: `the herald_apps table of ${shown}` };
      } else {
        apps = loadAppsFile(appsFile, input.readFile);
      }
    } else {
      apps = defaultApp(input.env);
    }
  } catch (err) {
    if (!isAppsProblem(err)) throw err;
    problems.push(...err.problems);
  }

  if (problems.length > 0 || !server || !apps) throw new ConfigError(problems);
  return {
    server,
    apps: apps.apps,
    appsSource: apps.source,
    ...(appsDatabaseUrl ? { appsDatabaseUrl } : {}),
    ...(apps.secretsIn ? { secretsIn: apps.secretsIn } : {}),
  };
}
