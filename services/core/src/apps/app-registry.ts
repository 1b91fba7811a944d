/**
 * Looks apps up by id (HTTP API) and by key (WebSocket path). Lookups are synchronous
 * because they sit on every connection and request; stores that load apps from elsewhere
 * keep this registry up to date by calling `replace`.
 */
import type { AppConfig } from '../config/app-schema';

export type App = AppConfig;

export class AppRegistry {
  private byIdMap = new Map<string, App>();
  private byKeyMap = new Map<string, App>();

  constructor(apps: readonly App[]) {
    this.replace(apps);
  }

  byId(id: string): App | undefined {
    return this.byIdMap.get(id);
  }

  byKey(key: string): App | undefined {
    return this.byKeyMap.get(key);
  }

  all(): App[] {
    return [...this.byIdMap.values()];
  }

  replace(apps: readonly App[]): void {
    this.byIdMap = new Map(apps.map((a) => [a.id, a]));
    this.byKeyMap = new Map(apps.map((a) => [a.key, a]));
  }
}
