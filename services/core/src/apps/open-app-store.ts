/**
 * Chooses the AppStore for a config. Kept apart from app-store.ts so that the interface
 * imports no implementation (and PostgresAppStore, which imports the interface, no cycle).
 */
import type { HeraldConfig } from '../config/load-config';
import type { Logger } from '../logging/logger';
import type { AppStore } from './app-store';
import { PostgresAppStore } from './postgres-app-store';
import { StaticAppStore } from './static-app-store';

/**
 * The store `config` asks for: PostgreSQL for `--apps postgres://…` (the first load happens
 * here, and a failure to load any app is thrown), otherwise the apps already in `config`.
 */
export async function openAppStore(config: HeraldConfig, logger: Logger): Promise<AppStore> {
  if (config.appsDatabaseUrl) {
    return PostgresAppStore.open({
      url: config.appsDatabaseUrl,
      refreshMs: config.server.appsRefreshMs,
      logger: logger.child({ component: 'apps' }),
    });
  }
  return new StaticAppStore(config.apps, config.appsSource);
}
