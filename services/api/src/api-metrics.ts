/**
 * The api's Prometheus metrics: how long each request took, by route template, method and
 * status (with the request's trace id as an exemplar once tracing passes one), and what became
 * of the events it was asked to publish, one per event per channel. The events endpoint is the
 * busiest path: its label children are made once per status code and per app.
 */
import { Counter, Histogram } from 'prom-client';
import type { MetricsRegistry } from '../../core/src/service/metrics';
import { PerApp } from '../../core/src/service/per-app';

/** The route label of a request that matched no api route. */
export const UNMATCHED_ROUTE = 'unmatched';
const EVENTS_ROUTE = '/apps/:app_id/events';

/** 1 ms (a refusal) to 10 s (a publish waiting out the bus timeout), in seconds. */
const REQUEST_DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

type RequestLabel = 'route' | 'method' | 'status_code';

interface RequestChild {
  readonly labels: Record<RequestLabel, string>;
  readonly histogram: Histogram.Internal<RequestLabel>;
}

interface EventOutcomes {
  readonly accepted: Counter.Internal;
  readonly rejected: Counter.Internal;
  readonly unconfirmed: Counter.Internal;
}

export class ApiMetrics {
  private readonly duration: Histogram<RequestLabel>;
  /** The same histogram: prom-client's types take exemplar label names from the metric's own labels. */
  private readonly exemplarDuration: Histogram<RequestLabel | 'trace_id'>;
  /** By `route method status`: few (routes × methods × statuses). */
  private readonly requests = new Map<string, RequestChild>();
  /** POST /apps/:app_id/events by status code: the busiest route builds no key per request. */
  private readonly eventsRequests = new Map<number, RequestChild>();
  private readonly outcomes: PerApp<EventOutcomes>;

  constructor(registry: MetricsRegistry) {
    this.duration = new Histogram({
      name: 'herald_api_request_duration_seconds',
      help: 'HTTP API requests, by route template, method and status code, until the answer was written',
      labelNames: ['route', 'method', 'status_code'],
      buckets: REQUEST_DURATION_BUCKETS,
      enableExemplars: true,
      registers: [registry],
    });
    this.exemplarDuration = this.duration as Histogram<RequestLabel | 'trace_id'>;
    const published = new Counter({
      name: 'herald_api_events_published_total',
      help: 'Events the api was asked to publish, one per event per channel, by result: accepted, rejected (4xx), unconfirmed (5xx: not confirmed by the journal)',
      labelNames: ['app_id', 'result'],
      registers: [registry],
    });
    this.outcomes = new PerApp((appId) => ({
      accepted: published.labels(appId, 'accepted'),
      rejected: published.labels(appId, 'rejected'),
      unconfirmed: published.labels(appId, 'unconfirmed'),
    }));
  }

  /**
   * One answered request. `traceId`: the server span's trace id when the request was traced
   * and sampled (the tracing work passes it; until then callers pass undefined).
   */
  observeRequest(route: string, method: string, statusCode: number, seconds: number, traceId: string | undefined): void {
    this.observe(this.child(route, method, statusCode), seconds, traceId);
  }

  /** observeRequest for POST /apps/:app_id/events. */
  observeEventsRequest(statusCode: number, seconds: number, traceId: string | undefined): void {
    let child = this.eventsRequests.get(statusCode);
    if (!child) {
      child = this.child(EVENTS_ROUTE, 'POST', statusCode);
      this.eventsRequests.set(statusCode, child);
    }
    this.observe(child, seconds, traceId);
  }

  private observe(child: RequestChild, seconds: number, traceId: string | undefined): void {
    if (traceId === undefined) child.histogram.observe(seconds);
    else this.exemplarDuration.observe({ labels: child.labels, value: seconds, exemplarLabels: { trace_id: traceId } });
  }

  /** The answer to a publish request of a known app: 2xx accepted, 4xx rejected, 5xx unconfirmed; `events`: events × channels. */
  eventsAnswered(appId: string, statusCode: number, events: number): void {
    const outcomes = this.outcomes.get(appId);
    const counter = statusCode < 400 ? outcomes.accepted : statusCode < 500 ? outcomes.rejected : outcomes.unconfirmed;
    counter.inc(events);
  }

  private child(route: string, method: string, statusCode: number): RequestChild {
    const key = `${route} ${method} ${statusCode}`;
    let child = this.requests.get(key);
    if (!child) {
      const labels = { route, method, status_code: String(statusCode) };
      child = { labels, histogram: this.duration.labels(labels) };
      this.requests.set(key, child);
    }
    return child;
  }
}
