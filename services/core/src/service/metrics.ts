/**
 * A Prometheus registry per process (not prom-client's global one), passed to each service,
 * and its two renderings: OpenMetrics (with the histograms' trace exemplars) for a scraper
 * whose Accept asks for `application/openmetrics-text`, the classic text format otherwise.
 *
 * prom-client renders whichever format the registry's content type says, and renaming counters
 * for OpenMetrics changes the metric objects themselves (`x_total` becomes `x`); so scrapes are
 * rendered one at a time, and counter names are put back after an OpenMetrics one, lest a scrape
 * that overlaps another get the other's format or names.
 */
import { collectDefaultMetrics, type OpenMetricsContentType, Registry, type RegistryContentType } from 'prom-client';

export type MetricsFormat = 'openmetrics' | 'prometheus';

export interface RenderedMetrics {
  readonly contentType: string;
  readonly body: string;
}

export class MetricsRegistry extends Registry<OpenMetricsContentType> {
  private rendering: Promise<unknown> = Promise.resolve();

  constructor() {
    super();
    // OpenMetrics from the start: prom-client allows histograms with exemplars only on such a registry.
    (this as Registry<RegistryContentType>).setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  }

  render(format: MetricsFormat): Promise<RenderedMetrics> {
    const next = this.rendering.then(() => this.renderNow(format));
    this.rendering = next.catch(() => undefined);
    return next;
  }

  private async renderNow(format: MetricsFormat): Promise<RenderedMetrics> {
    const contentType = format === 'openmetrics' ? Registry.OPENMETRICS_CONTENT_TYPE : Registry.PROMETHEUS_CONTENT_TYPE;
    const metrics = this.getMetricsAsArray();
    const names = metrics.map((m) => m.name);
    const switchable = this as Registry<RegistryContentType>;
    switchable.setContentType(contentType);
    try {
      return { contentType, body: await this.metrics() };
    } finally {
      metrics.forEach((m, i) => {
        (m as { name: string }).name = names[i];
      });
      switchable.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    }
  }
}

/** What a scraper's Accept header asks for: OpenMetrics only when it names it. */
export function requestedMetricsFormat(accept: string | undefined): MetricsFormat {
  return accept?.toLowerCase().includes('application/openmetrics-text') ? 'openmetrics' : 'prometheus';
}

export function createMetricsRegistry(labels: Record<string, string> = {}): MetricsRegistry {
  const registry = new MetricsRegistry();
  registry.setDefaultLabels(labels);
  collectDefaultMetrics({ register: registry });
  return registry;
}
