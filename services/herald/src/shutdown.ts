/** SIGINT/SIGTERM run one ordered shutdown and exit 0; a second signal exits at once. */
import cluster from 'node:cluster';
import type { Logger } from '../../core/src/logging/logger';

export function onShutdownSignal(logger: Logger, shutdown: () => Promise<void>): void {
  let shuttingDown = false;
  const handle = (signal: NodeJS.Signals) => {
    if (shuttingDown) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(130);
    }
    shuttingDown = true;
    logger.info({ signal }, 'shutting down');
    shutdown().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handle);
  if (cluster.isWorker) {
    // Ctrl-C reaches the whole process group; the primary turns it into one SIGTERM per worker.
    process.on('SIGINT', () => undefined);
  } else {
    process.on('SIGINT', handle);
  }
}
