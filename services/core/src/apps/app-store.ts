/**
 * Where a process's apps come from. Every service of a process is handed the same
 * `AppRegistry` (through its constructor); a store that loads apps from elsewhere keeps that
 * registry up to date in place, so lookups stay synchronous and nothing is global.
 */
import type { HeraldConfig } from '../config/load-config';
import type { Logger } from '../logging/logger';
import { AppRegistry } from './app-registry';
import { PostgresAppStore } from './postgres-app-store';

export interface AppStore {
  /** The live registry; its contents may change, the object never does. */
  readonly registry: AppRegistry;
  /** Where the apps come from, for logs (no passwords). */
  readonly source: string;
  /** Stops refreshing and releases connections; the registry keeps its last apps. */
  close(): Promise<void>;
}

/** Apps fixed at start-up: the apps file or the default app. */
export class StaticAppStore implements AppStore {
  readonly registry: AppRegistry;

  constructor(
    apps: ConstructorParameters<typeof AppRegistry>[0],
    readonly source: string,
  ) {
    this.registry = new AppRegistry(apps);
  }

  async close(): Promise<void> {}
}

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
