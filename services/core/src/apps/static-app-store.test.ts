import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { captureLogs } from '../../../../test/helpers/log-capture';
import { loadConfig } from '../config/load-config';
import type { AppStore } from './app-store';
import { appStoreContract } from './app-store-contract';
import { openAppStore } from './open-app-store';

appStoreContract('StaticAppStore (an apps file, through loadConfig and openAppStore)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-apps-contract-'));
  const logs = captureLogs();
  const stores: AppStore[] = [];
  let files = 0;
  return {
    async open(entries) {
      const path = join(dir, `apps-${++files}.yaml`);
      writeFileSync(path, stringify({ apps: entries }));
      const store = await openAppStore(loadConfig({ env: {}, appsFile: path }), logs.logger);
      stores.push(store);
      return store;
    },
    invalidEntries: 'refused',
    reports: () => [],
    cleanup: async () => {
      for (const store of stores) await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
