/**
 * `herald gateway|presence|api|all --nats …`: the roles as separate processes on NATS.
 * Gateways fork workers (node:cluster) that share the port; every worker is its own NATS
 * client with its own gateway id.
 */
import { randomBytes } from 'node:crypto';
import { availableParallelism, hostname } from 'node:os';
import { NatsBus } from '../../core/src/bus/nats-bus';
import { systemClock } from '../../core/src/clock';
import type { HeraldConfig } from '../../core/src/config/load-config';
import { BusEventJournal } from '../../core/src/journal/bus-event-journal';
import { JetStreamEventJournal } from '../../core/src/journal/jetstream-event-journal';
import type { Logger } from '../../core/src/logging/logger';
import { JetStreamCacheStore } from '../../core/src/stores/jetstream-cache-store';
import { startTracing } from '../../core/src/tracing/start-tracing';
import { JetStreamWebhookQueue } from '../../core/src/webhooks/jetstream-webhook-queue';
import { DEFAULT_PORTS } from './default-ports';
import { runWithWorkers } from './gateway-workers';
import { type Roles, startNode } from './node';
import { onShutdownSignal } from './shutdown';
import { HERALD_VERSION } from './version';

export type ClusterCommand = 'gateway' | 'presence' | 'api' | 'webhooks' | 'all';

const ROLES: Record<ClusterCommand, Roles> = {
  gateway: { gateway: true },
  presence: { presence: true },
  api: { api: true },
  webhooks: { webhooks: true },
  all: { gateway: true, api: true, presence: true, webhooks: true },
};

/** Unique per process start, so a restarted worker never resumes a dead one's sequence numbers. */
function nodeId(config: HeraldConfig, command: ClusterCommand, workerIndex: number | undefined): string {
  const base =
    config.server.gatewayId ??
    hostname()
      .replace(/[^A-Za-z0-9_-]/g, '-')
      .slice(0, 40);
  const worker = workerIndex === undefined ? '' : `-w${workerIndex}`;
  return `${base}-${command}${worker}-${randomBytes(3).toString('hex')}`;
}

async function startProcess(command: ClusterCommand, config: HeraldConfig, logger: Logger, workers: number): Promise<void> {
  const workerIndex = process.env.HERALD_WORKER_INDEX === undefined ? undefined : Number(process.env.HERALD_WORKER_INDEX);
  const id = nodeId(config, command, workerIndex);
  const log = logger.child({ node: id });
  const bus = await NatsBus.connect({
    servers: config.server.natsServers,
    auth: { user: config.server.natsUser, password: config.server.natsPassword, token: config.server.natsToken, credsFile: config.server.natsCredsFile },
    name: id,
    onHandlerError: (err, subject) => log.error({ err, subject }, 'bus handler failed'),
  });
  bus.onStatus((status) => {
    const level = status === 'disconnected' ? 'warn' : 'info';
    log[level]({ status, server: bus.connectedServer() }, `NATS ${status}`);
  });
  const { server } = config;
  const stores = {
    journal:
      server.eventJournal === 'on'
        ? await JetStreamEventJournal.open(bus, {
            retentionMs: server.eventJournalRetentionMs,
            maxBytes: server.eventJournalMaxBytes,
            replicas: server.eventJournalReplicas,
            storage: server.eventJournalStorage,
          })
        : new BusEventJournal(bus),
    cache: await JetStreamCacheStore.open(bus.natsConnection(), systemClock),
    webhooks: await JetStreamWebhookQueue.open({ nc: bus.natsConnection(), clock: systemClock, logger: log, ackWaitMs: config.server.webhookAckWaitMs }),
  };
  const tracing = startTracing(process.env, { serviceName: `herald-${command}`, instanceId: id, version: HERALD_VERSION });
  const node = await startNode({
    config,
    logger: log,
    bus,
    stores,
    roles: ROLES[command],
    port: config.server.port ?? DEFAULT_PORTS[command],
    nodeId: id,
    presenceSyncGraceMs: config.server.presenceSyncGraceMs,
    drainShare: workers,
    tracing: tracing.tracing,
    // Worker i of a gateway with workers serves its metrics on HERALD_METRICS_PORT + i.
    metricsPortOffset: workers > 1 ? (workerIndex ?? 0) : 0,
  });
  log.info({ command, port: node.port, nats: bus.connectedServer(), tracing: tracing.tracing.enabled }, 'herald started');
  onShutdownSignal(log, async () => {
    await node.stop();
    await tracing.shutdown();
  });
}

export async function runClusterNode(command: ClusterCommand, config: HeraldConfig, logger: Logger): Promise<void> {
  if (config.server.natsServers.length === 0) {
    throw new Error(`herald ${command} runs in cluster mode and needs NATS: pass --nats nats://host:4222 or set HERALD_NATS_URL`);
  }
  const workers = command === 'gateway' ? (config.server.gatewayWorkers ?? defaultWorkers()) : 1;
  if (workers <= 1) return startProcess(command, config, logger, 1);
  await runWithWorkers(workers, logger, () => startProcess(command, config, logger, workers), config.server.drainTimeoutMs);
}

function defaultWorkers(): number {
  return availableParallelism();
}
