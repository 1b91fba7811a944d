/**
 * `/healthz` (the process is up), `/readyz` (it should get traffic: bus connected, accepting)
 * and `/metrics` (OpenMetrics when the scraper's Accept asks for it, else Prometheus text),
 * the same for every service.
 */
import type { FastifyInstance } from 'fastify';
import { type MetricsRegistry, requestedMetricsFormat } from './metrics';

export interface ReadinessCheck {
  /** A short name shown in /readyz, e.g. "bus" or "gateway". */
  readonly name: string;
  /** null when ready, otherwise why not. */
  check(): string | null;
}

export function registerHealthRoutes(app: FastifyInstance, checks: readonly ReadinessCheck[], metrics: MetricsRegistry): void {
  registerLivenessRoute(app);
  app.get('/readyz', async (_req, reply) => {
    const problems: Record<string, string> = {};
    for (const c of checks) {
      const problem = c.check();
      if (problem) problems[c.name] = problem;
    }
    if (Object.keys(problems).length > 0) return reply.code(503).send({ status: 'unavailable', problems });
    return { status: 'ready' };
  });
  app.get('/metrics', async (request, reply) => {
    const rendered = await metrics.render(requestedMetricsFormat(request.headers.accept));
    reply.header('content-type', rendered.contentType);
    return rendered.body;
  });
}

/**
 * `/healthz` alone: what a public port keeps when /readyz and /metrics have a listener of their
 * own (it says only "ok", so a load balancer in front of the public port can still check it).
 */
export function registerLivenessRoute(app: FastifyInstance): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
}

export function busReadiness(bus: { isConnected(): boolean }): ReadinessCheck {
  return { name: 'bus', check: () => (bus.isConnected() ? null : 'not connected to the bus') };
}
