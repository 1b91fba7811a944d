/**
 * Go-style workers for the gateway: the primary forks N workers that share the listening
 * port (node:cluster) and share nothing else. A worker that dies is replaced (its sockets'
 * presence is cleaned up when its lease expires); SIGTERM drains every worker, then exits 0.
 */
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from '../../core/src/logging/logger';
import { type BackoffPolicy, backoffDelay } from '../../core/src/retry/backoff';

/** By crashes in the last minute: 100 ms, 500 ms, 2.5 s, then 5 s; jittered so workers that crashed together restart apart. */
const RESTART_BACKOFF: BackoffPolicy = { initialMs: 100, multiplier: 5, maxMs: 5000, jitter: 0.5 };

export async function runWithWorkers(count: number, logger: Logger, startWorker: () => Promise<void>, drainTimeoutMs: number): Promise<void> {
  if (!cluster.isPrimary) return startWorker();

  let shuttingDown = false;
  const byIndex = new Map<number, Worker>();
  const recentCrashes: number[] = [];

  const fork = (index: number) => {
    const worker = cluster.fork({ HERALD_WORKER_INDEX: String(index) });
    byIndex.set(index, worker);
    worker.on('exit', (code, signal) => {
      if (byIndex.get(index) === worker) byIndex.delete(index);
      if (shuttingDown) {
        if (byIndex.size === 0) {
          logger.info('all gateway workers stopped');
          process.exit(0);
        }
        return;
      }
      const now = Date.now();
      recentCrashes.push(now);
      while (recentCrashes.length > 0 && now - recentCrashes[0] > 60_000) recentCrashes.shift();
      const delay = backoffDelay(RESTART_BACKOFF, recentCrashes.length);
      logger.error({ worker: index, code, signal, restartInMs: delay }, 'gateway worker died; replacing it');
      setTimeout(() => fork(index), delay);
    });
  };
  for (let i = 0; i < count; i++) fork(i);
  logger.info({ workers: count }, 'gateway workers started');

  const shutdown = (signal: NodeJS.Signals) => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info({ signal, workers: byIndex.size }, 'draining gateway workers');
    for (const worker of byIndex.values()) worker.process.kill('SIGTERM');
    if (byIndex.size === 0) process.exit(0);
    setTimeout(() => {
      logger.error('workers did not stop in time; killing them');
      for (const worker of byIndex.values()) worker.process.kill('SIGKILL');
      process.exit(1);
    }, drainTimeoutMs + 10_000).unref();
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}
