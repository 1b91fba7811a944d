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
import { Pool } from 'pg';
import { redactDatabaseUrl } from '../config/apps-database-url';
import type { Logger } from '../logging/logger';
import { AppRegistry } from './app-registry';
import type { AppStore } from './app-store';
import { PostgresAppsReloader, type PostgresAppsReloaderOptions } from './postgres-apps-reloader';
import { ensureAppsSchema } from './postgres-apps-schema';

export interface PostgresAppStoreOptions extends Pick<PostgresAppsReloaderOptions, 'url' | 'refreshMs' | 'reconnectBackoff' | 'timeoutMs'> {
  readonly logger: Logger;
  /** The registry to keep up to date (default: a new one). */
  readonly registry?: AppRegistry;
}

export class PostgresAppStore implements AppStore {
  readonly registry: AppRegistry;
  readonly source: string;
  private readonly logger: Logger;
  private readonly pool: Pool;
  private readonly reloader: PostgresAppsReloader;
  private closed = false;

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

  private constructor(options: PostgresAppStoreOptions) {
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
    this.reloader = new PostgresAppsReloader({ ...options, pool: this.pool, registry: this.registry, logger: this.logger, source: this.source });
  }

  /** The bad rows of the last successful load: id → reason. */
  problems(): ReadonlyMap<string, string> {
    return this.reloader.problems();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.reloader.close();
    await this.pool.end().catch(() => undefined);
  }

  private async start(): Promise<void> {
    try {
      await ensureAppsSchema(this.pool, this.logger);
    } catch (err) {
      throw new Error(`apps database ${this.source}: ${(err as Error).message}`, { cause: err });
    }
    await this.reloader.load();
    await this.reloader.follow();
  }
}
