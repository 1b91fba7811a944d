#!/usr/bin/env node
/** `node dist/loadtest/baseline/src/main.js --port 6002` — the benchmark's yardstick server. */
import { parseArgs } from 'node:util';
import { startBaseline } from './server';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '6002' },
      host: { type: 'string', default: '127.0.0.1' },
      'app-id': { type: 'string', default: '1' },
      key: { type: 'string', default: 'app-key' },
      secret: { type: 'string', default: 'app-secret' },
    },
  });
  const baseline = await startBaseline({
    port: Number(values.port),
    host: values.host,
    appId: values['app-id'],
    key: values.key,
    secret: values.secret,
  });
  process.stdout.write(`baseline listening on ${values.host}:${baseline.port} (app ${values['app-id']}, key ${values.key}), pid ${process.pid}\n`);
  const stop = () => {
    baseline.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`baseline: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
