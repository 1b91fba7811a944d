#!/usr/bin/env node
/** The `herald` command. */
import { ConfigError } from '../../core/src/config/config-error';
import { type HeraldConfig, loadConfig } from '../../core/src/config/load-config';
import { nonNumericAppIdWarning } from '../../core/src/config/numeric-app-ids';
import { createLogger, type Logger } from '../../core/src/logging/logger';
import { traceLogFields } from '../../core/src/tracing/log-trace-fields';
import { startTracing, tracingWanted } from '../../core/src/tracing/start-tracing';
import { startupBanner } from './banner';
import { type CliArgs, parseCli, USAGE } from './cli-args';
import { runClusterNode } from './cluster-node';
import { startEmbedded } from './embedded';
import { runLocalCluster } from './local-cluster';
import { onShutdownSignal } from './shutdown';
import { HERALD_VERSION } from './version';

async function runEmbedded(config: HeraldConfig, logger: Logger): Promise<void> {
  const tracing = startTracing(process.env, { serviceName: 'herald', instanceId: 'embedded', version: HERALD_VERSION });
  const herald = await startEmbedded(config, logger, { tracing: tracing.tracing });
  const apps = { apps: herald.appRegistry.all(), appsSource: config.appsSource, secretsIn: config.secretsIn };
  const metrics = herald.metricsPort === undefined ? undefined : { host: config.server.metricsHost ?? herald.host, port: herald.metricsPort };
  process.stdout.write(`${startupBanner(herald.port, herald.host, apps, metrics)}\n`);
  onShutdownSignal(logger, async () => {
    await herald.stop();
    await tracing.shutdown();
  });
}

function parseOrExit(): CliArgs {
  try {
    return parseCli(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`herald: ${(err as Error).message}\n`);
    process.exit(2);
  }
}

function configOrExit(args: CliArgs): HeraldConfig {
  try {
    return loadConfig({ env: process.env, ...args.configInput });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`herald: ${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
}

async function main(): Promise<void> {
  const args = parseOrExit();
  if (args.help) {
    process.stdout.write(USAGE);
    return;
  }
  const config = configOrExit(args);
  const logger = createLogger({ level: config.server.logLevel, name: 'herald', mixin: tracingWanted(process.env) ? traceLogFields : undefined });
  const appIdWarning = nonNumericAppIdWarning(config.apps.map((a) => a.id));
  if (appIdWarning) logger.warn(appIdWarning);
  switch (args.command) {
    case 'embedded':
      return runEmbedded(config, logger);
    case 'cluster':
      return runLocalCluster(config, logger, args.configInput.appsFile ?? process.env.HERALD_APPS_FILE);
    default:
      return runClusterNode(args.command, config, logger);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`herald: ${(err as Error)?.message ?? String(err)}\n`);
  process.exit(1);
});
