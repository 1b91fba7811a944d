#!/usr/bin/env node
/** The `herald` command. */
import { ConfigError } from '../../core/src/config/config-error';
import { type HeraldConfig, loadConfig } from '../../core/src/config/load-config';
import { createLogger, type Logger } from '../../core/src/logging/logger';
import { startupBanner } from './banner';
import { parseCli, USAGE } from './cli-args';
import { startEmbedded } from './embedded';
import { onShutdownSignal } from './shutdown';

async function runEmbedded(config: HeraldConfig, logger: Logger): Promise<void> {
  const herald = await startEmbedded(config, logger);
  process.stdout.write(`${startupBanner(herald.port, herald.host, config.apps, config.appsSource)}\n`);
  onShutdownSignal(logger, () => herald.stop());
}

async function main(): Promise<void> {
  let args;
  try {
    args = parseCli(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`herald: ${(err as Error).message}\n`);
    process.exit(2);
  }
  if (args.help) {
    process.stdout.write(USAGE);
    return;
  }
  let config: HeraldConfig;
  try {
    config = loadConfig({ env: process.env, ...args.configInput });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`herald: ${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  const logger = createLogger({ level: config.server.logLevel, name: 'herald' });
  switch (args.command) {
    case 'embedded':
      return runEmbedded(config, logger);
    default:
      process.stderr.write(`herald: the ${args.command} command needs cluster mode, which is not built yet\n`);
      process.exit(2);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`herald: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
