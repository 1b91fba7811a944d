/**
 * Where a process's apps come from. Every service of a process is handed the same
 * `AppRegistry` (through its constructor); a store that loads apps from elsewhere keeps that
 * registry up to date in place, so lookups stay synchronous and nothing is global.
 * Two implementations: StaticAppStore (the apps file, or the default app) and
 * PostgresAppStore (the `herald_apps` table); `openAppStore` picks one from the config.
 *
 * Rules (app-store-contract.ts runs them against both):
 * - Once open, the registry holds every valid app of the source; a source with no valid app
 *   is refused (ConfigError).
 * - An invalid entry is never served. Its problem is reported naming the entry's field:
 *   a source edited while Herald runs (a table) skips the entry and logs it; a file, read at
 *   start-up, is refused as a whole so that a typo never starts Herald with an app missing.
 * - A store that follows its source applies changes (added, changed, removed) in place.
 */
import type { AppRegistry } from './app-registry';

export interface AppStore {
  /** The live registry; its contents may change, the object never does. */
  readonly registry: AppRegistry;
  /** Where the apps come from, for logs (no passwords). */
  readonly source: string;
  /** Stops refreshing and releases connections; the registry keeps its last apps. */
  close(): Promise<void>;
}
