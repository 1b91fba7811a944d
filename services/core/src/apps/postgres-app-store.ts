/**
 * Apps from PostgreSQL (`--apps postgres://user:pass@host:port/db`): the `herald_apps` table,
 * one row per app, each row validated with the same `appSchema` as the apps file.
 *
 * - Start-up creates the table and its NOTIFY trigger if they are missing, loads every row and
 *   fails when no row is a valid app. A bad row is logged with its id and field and skipped.
 * - Changes take effect without a restart: the trigger NOTIFYs `herald_apps` on every change
 *   and a LISTENing connection reloads the table; a full reload every `refreshMs` covers a
 *   lost notification or a lost listener.
 * - The database going away never stops Herald: the last loaded apps stay in force, reload
 *   errors are logged, the listener reconnects with backoff and refreshing resumes.
 */
import { Client, Pool, type PoolClient } from 'pg';
import { type AppConfig, appSchema } from '../config/app-schema';
import { redactDatabaseUrl } from '../config/apps-database-url';
import { ConfigError } from '../config/config-error';
import type { Logger } from '../logging/logger';
import { type BackoffPolicy, backoffDelay } from '../retry/backoff';
import { AppRegistry } from './app-registry';
import type { AppStore } from './app-store';

export const APPS_TABLE = 'herald_apps';
/** The NOTIFY channel the table's trigger signals. */
export const APPS_CHANNEL = 'herald_apps';

/**
 * The table, and a statement-level trigger that NOTIFYs `herald_apps` after any change.
 * Idempotent; run at start under an advisory lock so processes starting together do not race.
 */
export const APPS_SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS herald_apps (
  id      text    PRIMARY KEY,
  key     text    NOT NULL UNIQUE,
  secret  text    NOT NULL,
  enabled boolean NOT NULL DEFAULT true,
  config  jsonb   NOT NULL DEFAULT '{}'::jsonb
);
CREATE OR REPLACE FUNCTION herald_apps_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('herald_apps', TG_OP);
  RETURN NULL;
END
$$;
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'herald_apps_notify' AND tgrelid = 'herald_apps'::regclass) THEN
    CREATE TRIGGER herald_apps_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON herald_apps
      FOR EACH STATEMENT EXECUTE FUNCTION herald_apps_notify();
  END IF;
END
$$;
`;

/** The columns; everything else of an app lives in `config`. */
const COLUMNS = ['id', 'key', 'secret', 'enabled'] as const;

export interface AppRow {
  readonly id: unknown;
  readonly key: unknown;
  readonly secret: unknown;
  readonly enabled: unknown;
  readonly config: unknown;
}

export interface RowProblem {
  /** The row's id as stored (may itself be what is wrong). */
  readonly id: string;
  /** `herald_apps row "id": field: reason` */
  readonly message: string;
}

function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
}

/** Where a schema path lives in the table: a column, or inside `config`. */
function fieldName(path: ReadonlyArray<PropertyKey>): string {
  if (path.length === 0) return 'config';
  if ((COLUMNS as readonly PropertyKey[]).includes(path[0]) && path.length === 1) return String(path[0]);
  return `config.${formatPath(path)}`;
}

/** Validates rows with `appSchema`; bad rows become problems naming the row and the field. */
export function parseAppRows(rows: readonly AppRow[]): { apps: AppConfig[]; problems: RowProblem[] } {
  const apps: AppConfig[] = [];
  const problems: RowProblem[] = [];
  const keys = new Set<string>();
  for (const row of rows) {
    const id = String(row.id);
    const problem = (details: string[]) => problems.push({ id, message: `${APPS_TABLE} row ${JSON.stringify(id)}: ${details.join('; ')}` });
    const config = row.config ?? {};
    if (typeof config !== 'object' || Array.isArray(config)) {
      problem([`config: must be a JSON object, got ${Array.isArray(config) ? 'an array' : typeof config}`]);
      continue;
    }
    const inConfig = COLUMNS.filter((column) => column in config);
    if (inConfig.length > 0) {
      problem(inConfig.map((column) => `config.${column}: set the column ${column}, not a field of config`));
      continue;
    }
    const raw: Record<string, unknown> = { ...(config as Record<string, unknown>), id: row.id, key: row.key, secret: row.secret };
    if (row.enabled !== null && row.enabled !== undefined) raw.enabled = row.enabled;
    const result = appSchema.safeParse(raw);
    if (!result.success) {
      problem(result.error.issues.map((issue) => `${fieldName(issue.path)}: ${issue.message}`));
      continue;
    }
    if (keys.has(result.data.key)) {
      problem([`key: another row has the key ${JSON.stringify(result.data.key)}`]);
      continue;
    }
    keys.add(result.data.key);
    apps.push(result.data);
  }
  return { apps, problems };
}

export interface PostgresAppStoreOptions {
  /** postgres://user:password@host:port/database */
  readonly url: string;
  readonly logger: Logger;
  /** Full reload this often, besides the reloads NOTIFY triggers. */
  readonly refreshMs: number;
  /** The registry to keep up to date (default: a new one). */
  readonly registry?: AppRegistry;
  /** Waits between attempts to get the LISTEN connection back. */
  readonly reconnectBackoff?: BackoffPolicy;
  /** Bounds connecting and each query, so a black-holed database cannot stall a reload. */
  readonly timeoutMs?: number;
}

/** 250 ms doubling to 10 s; jittered, as every Herald process loses the database at the same moment. */
const DEFAULT_RECONNECT_BACKOFF: BackoffPolicy = { initialMs: 250, multiplier: 2, maxMs: 10_000, jitter: 0.5 };

export class PostgresAppStore implements AppStore {
  readonly registry: AppRegistry;
  readonly source: string;
  private readonly logger: Logger;
  private readonly pool: Pool;
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

  /** Connects, creates the table if needed, loads the apps and starts listening for changes. */
  static async open(options: PostgresAppStoreOptions): Promise<PostgresAppStore> {
    const store = new PostgresAppStore(options);
    try {
      await store.start();
    } catch (err) {
      await store.close();
      throw err;
    }
    return store;
  }

  private constructor(private readonly options: PostgresAppStoreOptions) {
    this.registry = options.registry ?? new AppRegistry([]);
    this.source = redactDatabaseUrl(options.url);
    this.logger = options.logger.child({ appsDatabase: this.source });
    const timeoutMs = options.timeoutMs ?? 10_000;
    this.pool = new Pool({
      connectionString: options.url,
      max: 2,
      idleTimeoutMillis: 30_000,
      connectionTimeoutMillis: timeoutMs,
      query_timeout: timeoutMs,
      keepAlive: true,
      application_name: 'herald',
    });
    // An idle pooled connection that breaks (database restarted) is reported here; without a
    // listener it would be an uncaught 'error' that ends the process.
    this.pool.on('error', (err) => this.logger.warn({ err: err.message }, 'apps database connection lost (idle); the next reload reconnects'));
  }

  /** The bad rows of the last successful load: id → reason. */
  problems(): ReadonlyMap<string, string> {
    return this.rowProblems;
  }

  /** Reloads now (coalesced with a reload already running); resolves when the registry is up to date or the reload failed. */
  async reload(): Promise<void> {
    this.requestReload('requested');
    while (this.reloading) await this.reloading;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.refreshTimer);
    clearTimeout(this.reconnectTimer);
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => undefined);
    while (this.reloading) await this.reloading;
    await this.pool.end().catch(() => undefined);
  }

  private async start(): Promise<void> {
    try {
      await this.ensureSchema();
    } catch (err) {
      throw new Error(`apps database ${this.source}: ${(err as Error).message}`, { cause: err });
    }
    let rows: AppRow[];
    try {
      rows = await this.fetchRows();
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
    await this.connectListener();
    this.refreshTimer = setInterval(() => this.requestReload('periodic'), this.options.refreshMs);
    this.refreshTimer.unref();
  }

  /**
   * Creates the table and trigger when missing. A role that may not create them can still
   * use a table made by someone else (by the README's SQL): then only a warning.
   */
  private async ensureSchema(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query("SELECT pg_advisory_xact_lock(hashtext('herald_apps schema'))");
      await client.query(APPS_SCHEMA_SQL);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      const exists = await this.tableExists(client).catch(() => false);
      if (!exists) throw new Error(`cannot create table ${APPS_TABLE} (${(err as Error).message}); create it with the SQL in the README`, { cause: err });
      this.logger.warn({ err: (err as Error).message }, `cannot create or update the ${APPS_TABLE} table or its trigger; using the table as it is (without the trigger, changes apply at the periodic reload)`);
    } finally {
      client.release();
    }
  }

  private async tableExists(client: PoolClient): Promise<boolean> {
    const result = await client.query<{ found: boolean }>(`SELECT to_regclass('${APPS_TABLE}') IS NOT NULL AS found`);
    return result.rows[0]?.found === true;
  }

  private async fetchRows(): Promise<AppRow[]> {
    const result = await this.pool.query<AppRow>(`SELECT id, key, secret, enabled, config FROM ${APPS_TABLE} ORDER BY id`);
    return result.rows;
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
      rows = await this.fetchRows();
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
