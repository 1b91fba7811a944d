/** Where each installed SDK driver lives (scripts/ensure-deps.sh sdks builds them) and how to start one. */
import type { Endpoint } from '../helpers/pusher-clients';
import type { TestApp } from '../helpers/test-herald';
import { DriverProcess, type DriverSpec } from './driver-process';

const INSTALL = 'scripts/ensure-deps.sh sdks';

export const NODE_SERVER: DriverSpec = { language: 'node', command: [process.execPath, 'test/sdks/node/driver.js'], installedBy: 'npm ci' };

export const PYTHON_SERVER: DriverSpec = {
  language: 'python',
  command: ['.tools/sdks/python/venv/bin/python', 'test/sdks/python/driver.py'],
  installedBy: INSTALL,
};

export const GO_SERVER: DriverSpec = { language: 'go', command: ['.tools/sdks/go/driver'], installedBy: INSTALL };

export const JAVA_SERVER: DriverSpec = {
  language: 'java',
  command: ['java', '-cp', '.tools/sdks/java/drivers.jar', 'herald.sdks.ServerDriver'],
  installedBy: INSTALL,
};

export const JAVA_CLIENT: DriverSpec = {
  language: 'java',
  command: ['java', '-cp', '.tools/sdks/java/drivers.jar', 'herald.sdks.ClientDriver'],
  installedBy: INSTALL,
};

/** Starts `spec`'s driver pointed at `endpoint` with `app`'s credentials. */
export function startDriver(spec: DriverSpec, endpoint: Endpoint, app: TestApp, extraEnv: Record<string, string> = {}): Promise<DriverProcess> {
  return DriverProcess.start(spec, {
    SDK_HOST: endpoint.host ?? '127.0.0.1',
    SDK_PORT: String(endpoint.port),
    SDK_APP_ID: app.id,
    SDK_APP_KEY: app.key,
    SDK_APP_SECRET: app.secret,
    ...extraEnv,
  });
}
