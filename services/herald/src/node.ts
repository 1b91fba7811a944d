/**
 * One Herald process: any combination of the gateway, api and presence roles on one bus
 * and one HTTP port. Embedded mode is all three on the in-process bus; cluster mode runs
 * the same code, one or more roles per process, on NATS.
 */
import { AppRegistry } from '../../core/src/apps/app-registry';
import type { Bus } from '../../core/src/bus/bus';
import { type Clock, systemClock } from '../../core/src/clock';
import type { HeraldConfig } from '../../core/src/config/load-config';
import type { Logger } from '../../core/src/logging/logger';
import { busReadiness, type ReadinessCheck, registerHealthRoutes } from '../../core/src/service/health-routes';
import { createMetricsRegistry } from '../../core/src/service/metrics';
import { apiBodyLimit, registerApi } from '../../api/src/api';
import { Gateway } from '../../gateway/src/gateway';
import { PresenceReplica } from '../../presence/src/presence-replica';
import { createHttpServer } from './http-server';

export interface Roles {
  readonly gateway?: boolean;
  readonly api?: boolean;
  readonly presence?: boolean;
}

export interface NodeOptions {
  readonly config: HeraldConfig;
  readonly logger: Logger;
  readonly bus: Bus;
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
}

export interface RunningNode {
  readonly port: number;
  readonly host: string;
  readonly gateway?: Gateway;
  readonly presence?: PresenceReplica;
  /** Ordered shutdown: readiness off, paced drain, lease released, bus drained. */
  stop(): Promise<void>;
}

export async function startNode(options: NodeOptions): Promise<RunningNode> {
  const { config, logger, bus, roles, nodeId } = options;
  const { server } = config;
  const clock = options.clock ?? systemClock;
  const apps = new AppRegistry(config.apps);
  const metrics = createMetricsRegistry({ node: nodeId });
  const checks: ReadinessCheck[] = [busReadiness(bus)];

  let presence: PresenceReplica | undefined;
  if (roles.presence) {
    presence = new PresenceReplica({
      bus,
      apps,
      logger: logger.child({ service: 'presence' }),
      clock,
      replicaId: nodeId,
      syncGraceMs: options.presenceSyncGraceMs,
      defaultLeaseTtlMs: server.leaseTtlMs,
    });
    const replica = presence;
    checks.push({ name: 'presence', check: () => (replica.isReady() ? null : 'gathering gateway state') });
    presence.start();
  }

  let gateway: Gateway | undefined;
  if (roles.gateway) {
    const share = Math.max(1, options.drainShare ?? 1);
    gateway = new Gateway({
      config: { ...server, drainSocketsPerSecond: Math.max(1, Math.floor(server.drainSocketsPerSecond / share)) },
      apps,
      bus,
      logger: logger.child({ service: 'gateway' }),
      clock,
      gatewayId: nodeId,
      metrics,
    });
    checks.push(gateway.readiness());
  }

  const http = createHttpServer(logger, apiBodyLimit(apps));
  if (gateway) await gateway.register(http);
  if (roles.api) {
    await registerApi(http, {
      apps,
      bus,
      clock,
      logger: logger.child({ service: 'api' }),
      maxSkewSeconds: server.apiMaxSkewSeconds,
      busTimeoutMs: server.busTimeoutMs,
    });
  }
  registerHealthRoutes(http, checks, metrics);
  gateway?.start();
  await http.listen({ host: server.host, port: options.port });
  const address = http.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;

  let stopping: Promise<void> | undefined;
  return {
    port,
    host: server.host,
    gateway,
    presence,
    stop: () => {
      stopping ??= (async () => {
        if (gateway) {
          await gateway.drain();
          gateway.stop();
        }
        await http.close();
        presence?.stop();
        // Let the lease release and other last messages reach the bus before closing it.
        await bus.flush(server.busTimeoutMs).catch(() => undefined);
        await bus.close();
      })();
      return stopping;
    },
  };
}
