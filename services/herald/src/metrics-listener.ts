/**
 * The separate listener for `/metrics`, `/healthz` and `/readyz` (HERALD_METRICS_PORT), so a
 * platform can expose only the public port through an ingress and keep metrics and
 * readiness, which show internal state, to Prometheus and the kubelet on a port of their own.
 * It opens before the node's services start (readiness says when they are ready) and closes
 * after they stop, so /readyz shows the drain.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from '../../core/src/logging/logger';
import { type ReadinessCheck, registerHealthRoutes } from '../../core/src/service/health-routes';
import type { MetricsRegistry } from '../../core/src/service/metrics';
import { createHttpServer } from './http-server';

export interface MetricsListenerOptions {
  readonly host: string;
  /** 0 = any free port. */
  readonly port: number;
  readonly logger: Logger;
  readonly checks: readonly ReadinessCheck[];
  readonly metrics: MetricsRegistry;
}

export interface RunningMetricsListener {
  readonly port: number;
  close(): Promise<void>;
}

/** Its routes take no body; anything sent is refused as too large past this. */
const BODY_LIMIT = 1024;

export async function startMetricsListener(options: MetricsListenerOptions): Promise<RunningMetricsListener> {
  const http: FastifyInstance = createHttpServer({ logger: options.logger, bodyLimit: BODY_LIMIT });
  registerHealthRoutes(http, options.checks, options.metrics);
  await http.listen({ host: options.host, port: options.port });
  const address = http.server.address();
  return {
    port: typeof address === 'object' && address ? address.port : options.port,
    close: () => http.close(),
  };
}
