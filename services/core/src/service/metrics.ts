/** A Prometheus registry per process (not prom-client's global one), passed to each service. */
import { collectDefaultMetrics, Registry } from 'prom-client';

export function createMetricsRegistry(labels: Record<string, string> = {}): Registry {
  const registry = new Registry();
  registry.setDefaultLabels(labels);
  collectDefaultMetrics({ register: registry });
  return registry;
}
