/**
 * Embedded mode: gateway, api and presence in one process on the in-process bus, one HTTP
 * port for WebSockets and the HTTP API — what `npm start` runs.
 */
import { AppRegistry } from '../../core/src/apps/app-registry';
import { LocalBus } from '../../core/src/bus/local-bus';
import { type Clock, systemClock } from '../../core/src/clock';
import type { HeraldConfig } from '../../core/src/config/load-config';
import type { Logger } from '../../core/src/logging/logger';
import { registerHealthRoutes } from '../../core/src/service/health-routes';
import { createMetricsRegistry } from '../../core/src/service/metrics';
import { apiBodyLimit, registerApi } from '../../api/src/api';
import { Gateway } from '../../gateway/src/gateway';
import { PresenceReplica } from '../../presence/src/presence-replica';
import { createHttpServer } from './http-server';

export interface RunningHerald {
  readonly port: number;
  readonly host: string;
  readonly gateway: Gateway;
  /** Paced drain of every socket, then everything closes. */
  stop(): Promise<void>;
}

export async function startEmbedded(config: HeraldConfig, logger: Logger, clock: Clock = systemClock): Promise<RunningHerald> {
  const { server } = config;
  const bus = new LocalBus((err, subject) => logger.error({ err, subject }, 'bus handler failed'));
  const apps = new AppRegistry(config.apps);
  const metrics = createMetricsRegistry({ service: 'herald' });

  const presence = new PresenceReplica({
    bus,
    apps,
    logger: logger.child({ service: 'presence' }),
    clock,
    replicaId: 'embedded',
    syncGraceMs: 0,
    defaultLeaseTtlMs: server.leaseTtlMs,
  });
  presence.start();

  const gateway = new Gateway({
    config: server,
    apps,
    bus,
    logger: logger.child({ service: 'gateway' }),
    clock,
    gatewayId: 'embedded',
    metrics,
  });

  const http = createHttpServer(logger, apiBodyLimit(apps));
  await gateway.register(http);
  await registerApi(http, { apps, bus, clock, logger: logger.child({ service: 'api' }), maxSkewSeconds: server.apiMaxSkewSeconds, busTimeoutMs: server.busTimeoutMs });
  registerHealthRoutes(http, [gateway.readiness()], metrics);
  gateway.start();
  await http.listen({ host: server.host, port: server.port });
  const address = http.server.address();
  const port = typeof address === 'object' && address ? address.port : server.port;

  let stopping: Promise<void> | undefined;
  return {
    port,
    host: server.host,
    gateway,
    stop: () => {
      stopping ??= (async () => {
        await gateway.drain();
        gateway.stop();
        await http.close();
        presence.stop();
        await bus.close();
      })();
      return stopping;
    },
  };
}
