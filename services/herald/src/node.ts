/**
 * One Herald process: any combination of the gateway, api, presence and webhooks roles on
 * one bus and one HTTP port. Embedded mode is all four on the in-process bus; cluster mode
 * runs the same code, one or more roles per process, on NATS. Each role is a HeraldService,
 * started, drained and stopped by one ServiceGroup in the order of service-order.ts.
 */

import { Api, apiBodyLimit } from '../../api/src/api';
import type { AppRegistry } from '../../core/src/apps/app-registry';
import type { AppStore } from '../../core/src/apps/app-store';
import { openAppStore } from '../../core/src/apps/open-app-store';
import type { Bus } from '../../core/src/bus/bus';
import { registerBusMetrics } from '../../core/src/bus/bus-metrics';
import { type Clock, systemClock } from '../../core/src/clock';
import type { HeraldConfig } from '../../core/src/config/load-config';
import type { EventJournal } from '../../core/src/journal/event-journal';
import type { Logger } from '../../core/src/logging/logger';
import { busReadiness, type ReadinessCheck, registerHealthRoutes, registerLivenessRoute } from '../../core/src/service/health-routes';
import { createMetricsRegistry } from '../../core/src/service/metrics';
import { ServiceGroup } from '../../core/src/service/service-group';
import type { CacheStore } from '../../core/src/stores/cache-store';
import { type Tracing, tracingOff } from '../../core/src/tracing/tracing';
import type { WebhookQueue } from '../../core/src/webhooks/webhook-queue';
import { Gateway } from '../../gateway/src/gateway';
import { Presence } from '../../presence/src/presence';
import { DEFAULT_WEBHOOK_SETTINGS, Webhooks } from '../../webhooks/src/webhooks';
import { createHttpServer } from './http-server';
import { type RunningMetricsListener, startMetricsListener } from './metrics-listener';
import { inStartOrder } from './service-order';

export interface Roles {
  readonly gateway?: boolean;
  readonly api?: boolean;
  readonly presence?: boolean;
  readonly webhooks?: boolean;
}

/** The durable stores: in memory for embedded mode, JetStream in cluster mode. */
export interface Stores {
  readonly cache: CacheStore;
  readonly webhooks: WebhookQueue;
  /** What the api publishes through and a reconnected gateway replays from. */
  readonly journal: EventJournal;
}

export interface NodeOptions {
  readonly config: HeraldConfig;
  readonly logger: Logger;
  readonly bus: Bus;
  readonly stores: Stores;
  readonly roles: Roles;
  /** Port to listen on (0 = any free port). */
  readonly port: number;
  readonly clock?: Clock;
  /** Unique per gateway process (worker); presence holds its lease under this id. */
  readonly nodeId: string;
  /** Embedded mode has nothing to gather at start; cluster replicas wait for gateway state. */
  readonly presenceSyncGraceMs: number;
  /** Gateway workers share one drain pace. */
  readonly drainShare?: number;
  /** Where the apps come from (default: opened from `config`: the apps file, or PostgreSQL). Closed by stop(). */
  readonly appStore?: AppStore;
  /** What every role traces with (default: off). */
  readonly tracing?: Tracing;
  /**
   * Added to HERALD_METRICS_PORT: a gateway worker's index, so that each worker of a process
   * serves its own registry on its own port (on a shared port a scrape would reach one worker
   * at random and the series would jump between them).
   */
  readonly metricsPortOffset?: number;
}

export interface RunningNode {
  readonly port: number;
  readonly host: string;
  /** The separate /metrics, /healthz, /readyz listener's port, when HERALD_METRICS_PORT asks for one. */
  readonly metricsPort?: number;
  readonly gateway?: Gateway;
  readonly presence?: Presence;
  /** The apps every role of this node uses (kept up to date by the app store). */
  readonly appRegistry: AppRegistry;
  /**
   * Ordered shutdown: every service drains (gateway first: readiness off, paced 4200 drain,
   * lease released; see service-order.ts), the HTTP listener closes, every service stops, then
   * the webhook queue, the bus (flushed first) and the app store close. Runs once.
   */
  stop(): Promise<void>;
}

export async function startNode(options: NodeOptions): Promise<RunningNode> {
  const { config, logger, bus, roles, nodeId, stores } = options;
  const { server } = config;
  const clock = options.clock ?? systemClock;
  const tracing = options.tracing ?? tracingOff();
  const appStore = options.appStore ?? (await openAppStore(config, logger));
  const apps = appStore.registry;
  const metrics = createMetricsRegistry({ node: nodeId });
  registerBusMetrics(bus, metrics);
  // The queue's size is the webhooks service's to report (in a cluster, every process holds a handle on the same stream).
  if (roles.webhooks) stores.webhooks.registerMetrics?.(metrics);
  const checks: ReadinessCheck[] = [busReadiness(bus)];

  const presence = roles.presence
    ? new Presence({
        bus,
        apps,
        logger: logger.child({ service: 'presence' }),
        clock,
        replicaId: nodeId,
        syncGraceMs: options.presenceSyncGraceMs,
        defaultLeaseTtlMs: server.leaseTtlMs,
        webhooks: stores.webhooks,
        tracing,
        metrics,
      })
    : undefined;
  if (presence) checks.push({ name: 'presence', check: () => (presence.isReady() ? null : 'gathering gateway state') });

  const share = Math.max(1, options.drainShare ?? 1);
  const gateway = roles.gateway
    ? new Gateway({
        config: { ...server, drainSocketsPerSecond: Math.max(1, Math.floor(server.drainSocketsPerSecond / share)) },
        apps,
        bus,
        logger: logger.child({ service: 'gateway' }),
        clock,
        gatewayId: nodeId,
        metrics,
        cache: stores.cache,
        webhooks: stores.webhooks,
        journal: stores.journal,
        tracing,
      })
    : undefined;
  if (gateway) checks.push(gateway.readiness());

  const webhooks = roles.webhooks
    ? new Webhooks({
        queue: stores.webhooks,
        apps,
        clock,
        logger: logger.child({ service: 'webhooks' }),
        metrics,
        settings: {
          ...DEFAULT_WEBHOOK_SETTINGS,
          timeoutMs: server.webhookTimeoutMs,
          retryWindowMs: server.webhookRetryWindowMs,
        },
        tracing,
      })
    : undefined;

  const bodyLimit = apiBodyLimit(apps);
  const api = roles.api
    ? new Api({
        apps,
        bus,
        journal: stores.journal,
        clock,
        logger: logger.child({ service: 'api' }),
        maxSkewSeconds: server.apiMaxSkewSeconds,
        busTimeoutMs: server.busTimeoutMs,
        cache: stores.cache,
        deadLetters: stores.webhooks,
        bodyLimit,
        tracing,
        metrics,
      })
    : undefined;

  // Routes first, so every service is reachable once it has started and the port opens.
  const http = createHttpServer({ logger, bodyLimit, frontDoor: api?.eventsEndpoint, config: server, clock });
  if (gateway) await gateway.register(http);
  if (api) await api.register(http);
  let metricsListener: RunningMetricsListener | undefined;
  if (server.metricsPort === undefined) registerHealthRoutes(http, checks, metrics);
  else {
    const metricsPort = server.metricsPort === 0 ? 0 : server.metricsPort + (options.metricsPortOffset ?? 0);
    // Two listeners on one port would fight over it (or, in a worker, share it by turns).
    if (metricsPort !== 0 && metricsPort === options.port) {
      throw new Error(`the metrics port (${metricsPort}) must differ from the main port; unset HERALD_METRICS_PORT to serve /metrics on the main port`);
    }
    registerLivenessRoute(http);
    metricsListener = await startMetricsListener({ host: server.metricsHost ?? server.host, port: metricsPort, logger, checks, metrics });
  }

  const services = new ServiceGroup(inStartOrder({ gateway, api, presence, webhooks }));
  await services.start();
  await http.listen({ host: server.host, port: options.port });
  const address = http.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;

  let stopping: Promise<void> | undefined;
  return {
    port,
    host: server.host,
    ...(metricsListener ? { metricsPort: metricsListener.port } : {}),
    gateway,
    presence,
    appRegistry: apps,
    stop: () => {
      stopping ??= (async () => {
        await services.drain();
        // Once nothing takes new work: what still arrives gets 503 (http-server.ts).
        await http.close();
        await services.stop();
        // Last of the listeners: /readyz stays answerable (503) through the drain.
        await metricsListener?.close();
        await stores.webhooks.close();
        // Let the lease release and other last messages reach the bus before closing it.
        await bus.flush(server.busTimeoutMs).catch(() => undefined);
        await bus.close();
        await appStore.close();
      })();
      return stopping;
    },
  };
}
