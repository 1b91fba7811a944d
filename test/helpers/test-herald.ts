/** Starts an embedded Herald inside the test process on a free port. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { Clock } from '../../services/core/src/clock';
import { loadConfig } from '../../services/core/src/config/load-config';
import { createLogger, type Logger } from '../../services/core/src/logging/logger';
import { type RunningHerald, startEmbedded } from '../../services/herald/src/embedded';

export interface TestApp {
  id: string;
  key: string;
  secret: string;
  enabled?: boolean;
  clientEvents?: boolean;
  watchlistEvents?: boolean;
  subscriptionCountEvents?: boolean;
  userAuthentication?: { required?: boolean; timeoutSeconds?: number };
  webhooks?: Array<{ url: string; events?: string[]; headers?: Record<string, string> }>;
  limits?: Record<string, number>;
}

export const DEFAULT_TEST_APP: TestApp = { id: '1000', key: 'test-key', secret: 'test-secret' };

export interface TestHerald extends RunningHerald {
  readonly apps: TestApp[];
  readonly wsUrl: string;
  readonly httpUrl: string;
}

/** Writes an apps file to a temp dir and returns its path (the real loader reads it). */
export function writeAppsFile(apps: readonly TestApp[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'herald-apps-'));
  const path = join(dir, 'apps.yaml');
  writeFileSync(path, stringify({ apps }));
  return path;
}

/** `logger`: where Herald logs (a test's captureLogs() to read the lines); default per TEST_LOG_LEVEL. */
export async function startTestHerald(options: { apps?: TestApp[]; env?: Record<string, string>; clock?: Clock; logger?: Logger } = {}): Promise<TestHerald> {
  const apps = options.apps ?? [DEFAULT_TEST_APP];
  const config = loadConfig({
    env: { HERALD_HOST: '127.0.0.1', HERALD_PORT: '0', HERALD_LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent', ...options.env },
    appsFile: writeAppsFile(apps),
  });
  const logger = options.logger ?? createLogger({ level: config.server.logLevel, name: 'test-herald' });
  const herald = await startEmbedded(config, logger, { clock: options.clock });
  return {
    ...herald,
    stop: herald.stop,
    apps,
    wsUrl: `ws://127.0.0.1:${herald.port}`,
    httpUrl: `http://127.0.0.1:${herald.port}`,
  };
}
