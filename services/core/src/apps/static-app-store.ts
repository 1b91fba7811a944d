/** Apps fixed at start-up: the apps file or the default app, already validated by loadConfig. */
import { AppRegistry } from './app-registry';
import type { AppStore } from './app-store';

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
