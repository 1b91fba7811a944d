/**
 * Keeps an AppRegistry in step with the `herald_apps` table: the first load at start-up, then
 * a reload on every NOTIFY from the table's trigger (one LISTENing connection, reconnected
 * with backoff when lost) and a full reload every `refreshMs` for whatever a lost
 * notification or listener missed. A failed reload keeps the last loaded apps.
 */
import { Client, type Pool } from 'pg';
import type { AppConfig } from '../config/app-schema';
import { ConfigError } from '../config/config-error';
import type { Logger } from '../logging/logger';
import { type BackoffPolicy, backoffDelay } from '../retry/backoff';
import type { AppRegistry } from './app-registry';
import { type AppRow, parseAppRows, type RowProblem, readAppRows } from './postgres-app-rows';
import { APPS_CHANNEL, APPS_TABLE } from './postgres-apps-schema';

export interface PostgresAppsReloaderOptions {
  /** postgres://user:password@host:port/database */
  readonly url: string;
  /** Full reload this often, besides the reloads NOTIFY triggers. */
  readonly refreshMs: number;
  /** Waits between attempts to get the LISTEN connection back. */
  readonly reconnectBackoff?: BackoffPolicy;
  /** Bounds connecting and each query, so a black-holed database cannot stall a reload. */
  readonly timeoutMs?: number;
  /** Reads the table (the LISTEN connection is a client of its own: LISTEN lives per session). */
  readonly pool: Pool;
  readonly registry: AppRegistry;
  readonly logger: Logger;
  /** The database, for error messages (no password). */
  readonly source: string;
}

/** 250 ms doubling to 10 s; jittered, as every Herald process loses the database at the same moment. */
const DEFAULT_RECONNECT_BACKOFF: BackoffPolicy = { initialMs: 250, multiplier: 2, maxMs: 10_000, jitter: 0.5 };

export class PostgresAppsReloader {
  private readonly logger: Logger;
  private readonly pool: Pool;
  private readonly registry: AppRegistry;
  private readonly source: string;
  private listener: Client | undefined;
  private listenerAttempts = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;
  private reloading: Promise<void> | undefined;
  private reloadAgain = false;
  private closed = false;
  /** The message of the last failed reload while failing (logged once per distinct error). */
  private reloadFailure: string | undefined;
  private listenerFailure: string | undefined;
  /** Problems of bad rows at the last reload, by row id (a problem is logged when it appears or changes). */
  private rowProblems = new Map<string, string>();

  constructor(private readonly options: PostgresAppsReloaderOptions) {
    this.logger = options.logger;
    this.pool = options.pool;
    this.registry = options.registry;
    this.source = options.source;
  }

  /** The first load: fails when the table cannot be read or holds no valid app. */
  async load(): Promise<void> {
    let rows: AppRow[];
    try {
      rows = await readAppRows(this.pool);
    } catch (err) {
      throw new Error(`apps database ${this.source}: cannot read ${APPS_TABLE} (${(err as Error).message})`, { cause: err });
    }
    const { apps, problems } = parseAppRows(rows);
    this.reportProblems(problems);
    if (apps.length === 0) {
      throw new ConfigError([
        `apps database ${this.source}: no valid app in table ${APPS_TABLE} (${rows.length} row${rows.length === 1 ? '' : 's'})`,
        ...problems.map((p) => p.message),
      ]);
    }
    this.registry.replace(apps);
    this.logger.info({ apps: apps.length, skipped: problems.length }, 'apps loaded from PostgreSQL');
  }

  /** After the first load: listens for changes and starts the periodic reload. */
  async follow(): Promise<void> {
    await this.connectListener();
    this.refreshTimer = setInterval(() => this.requestReload('periodic'), this.options.refreshMs);
    this.refreshTimer.unref();
  }

  /** The bad rows of the last successful load: id → reason. */
  problems(): ReadonlyMap<string, string> {
    return this.rowProblems;
  }

  /** Stops listening and reloading; resolves once no reload is running. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.refreshTimer);
    clearTimeout(this.reconnectTimer);
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => undefined);
    while (this.reloading) await this.reloading;
  }

  private requestReload(reason: string): void {
    if (this.closed) return;
    if (this.reloading) {
      // Changes may have landed after the running reload read the table: read it once more.
      this.reloadAgain = true;
      return;
    }
    this.reloading = this.reloadOnce(reason).finally(() => {
      this.reloading = undefined;
      if (this.reloadAgain) {
        this.reloadAgain = false;
        this.requestReload('queued');
      }
    });
  }

  private async reloadOnce(reason: string): Promise<void> {
    let rows: AppRow[];
    try {
      rows = await readAppRows(this.pool);
    } catch (err) {
      const message = (err as Error).message;
      // Every failure is logged: an operator watching the logs sees the outage last.
      this.logger.error({ err: message, reason, repeated: this.reloadFailure === message }, 'cannot reload apps from PostgreSQL; keeping the last loaded apps');
      this.reloadFailure = message;
      return;
    }
    if (this.closed) return;
    if (this.reloadFailure !== undefined) {
      this.logger.info('apps database reachable again');
      this.reloadFailure = undefined;
    }
    const { apps, problems } = parseAppRows(rows);
    this.reportProblems(problems);
    this.apply(apps, reason);
  }

  private apply(apps: readonly AppConfig[], reason: string): void {
    const before = new Map(this.registry.all().map((a) => [a.id, JSON.stringify(a)]));
    const after = new Map(apps.map((a) => [a.id, JSON.stringify(a)]));
    const added = [...after.keys()].filter((id) => !before.has(id));
    const removed = [...before.keys()].filter((id) => !after.has(id));
    const changed = [...after.keys()].filter((id) => before.has(id) && before.get(id) !== after.get(id));
    if (added.length + removed.length + changed.length === 0) return;
    this.registry.replace(apps);
    this.logger.info({ reason, added, changed, removed, apps: apps.length }, 'apps reloaded from PostgreSQL');
    if (apps.length === 0) this.logger.warn(`no valid app left in ${APPS_TABLE}: every new connection and API request is refused`);
  }

  private reportProblems(problems: readonly RowProblem[]): void {
    const next = new Map(problems.map((p) => [p.id, p.message]));
    for (const [id, message] of next) {
      if (this.rowProblems.get(id) !== message) this.logger.warn({ app: id }, `skipping bad ${message}`);
    }
    this.rowProblems = next;
  }

  private async connectListener(): Promise<void> {
    if (this.closed) return;
    const client = new Client({
      connectionString: this.options.url,
      keepAlive: true,
      connectionTimeoutMillis: this.options.timeoutMs ?? 10_000,
      application_name: 'herald-apps-listener',
    });
    let lost = false;
    const onLost = (err?: Error) => {
      if (lost) return;
      lost = true;
      client.removeAllListeners('notification');
      if (this.listener === client) this.listener = undefined;
      client.end().catch(() => undefined);
      if (this.closed) return;
      this.listenerLost(err?.message ?? 'connection ended');
    };
    client.on('error', onLost);
    client.on('end', () => onLost());
    client.on('notification', (message) => {
      if (message.channel === APPS_CHANNEL) this.requestReload('notify');
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${APPS_CHANNEL}`);
    } catch (err) {
      onLost(err as Error);
      return;
    }
    if (this.closed || lost) {
      if (!lost) await client.end().catch(() => undefined);
      return;
    }
    this.listener = client;
    const recovered = this.listenerAttempts > 0;
    this.listenerAttempts = 0;
    if (recovered) {
      this.logger.info('listening for app changes again');
      this.listenerFailure = undefined;
      // Notifications sent while nobody listened are gone: read the whole table.
      this.requestReload('listener reconnected');
    }
  }

  private listenerLost(message: string): void {
    this.listenerAttempts++;
    const delay = backoffDelay(this.options.reconnectBackoff ?? DEFAULT_RECONNECT_BACKOFF, this.listenerAttempts);
    if (this.listenerFailure !== message) {
      this.logger.warn({ err: message, retryInMs: delay }, 'lost the LISTEN connection for app changes; reconnecting (the periodic reload goes on)');
      this.listenerFailure = message;
    }
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => void this.connectListener(), delay);
    this.reconnectTimer.unref();
  }
}
