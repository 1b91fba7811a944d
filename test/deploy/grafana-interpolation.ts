/**
 * What Grafana does to a Prometheus panel's `expr` before it sends it: template variables
 * replaced by their values (a multi-value selection as a regex alternation, each value
 * regex-escaped), `$__interval` from the time range and the panel's data points, and
 * `$__rate_interval` = max($__interval + scrape interval, 4 × scrape interval).
 */

/** Grafana's built-in variables a dashboard may use without defining them. */
export const GRAFANA_BUILTINS = new Set(['__rate_interval', '__interval', '__interval_ms', '__range', '__range_s', '__range_ms']);

export interface GrafanaTime {
  readonly rangeSeconds: number;
  /** The panel's data points (Grafana: about its width in pixels). */
  readonly maxDataPoints: number;
  /** The data source's "scrape interval" setting (its min interval). */
  readonly scrapeIntervalSeconds: number;
}

function grafanaIntervals(time: GrafanaTime): { interval: string; rateInterval: string } {
  // Grafana rounds to a "nice" interval; whole seconds, never under the scrape interval, is that here.
  const interval = Math.max(time.scrapeIntervalSeconds, Math.ceil(time.rangeSeconds / time.maxDataPoints));
  const rateInterval = Math.max(interval + time.scrapeIntervalSeconds, 4 * time.scrapeIntervalSeconds);
  return { interval: `${interval}s`, rateInterval: `${rateInterval}s` };
}

/** A value inside a PromQL `=~"…"` matcher: regex metacharacters escaped, the escape itself doubled for the string literal. */
function regexEscape(value: string): string {
  return value.replace(/[\\^$*+?.()|[\]{}]/g, (c) => `\\\\${c}`);
}

/** How Grafana formats a query variable's selection for Prometheus: `a`, or `(a|b)` for several. */
export function prometheusRegexValue(values: readonly string[]): string {
  const escaped = values.map(regexEscape);
  return escaped.length === 1 ? escaped[0] : `(${escaped.join('|')})`;
}

/** The variables an expression refers to: `$name`, `${name}` and `[[name]]`. */
export function variablesIn(text: string): string[] {
  return [...text.matchAll(/\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)\]\]/g)].map((m) => m[1] ?? m[2] ?? m[3]);
}

export function interpolate(expr: string, variables: Readonly<Record<string, string>>, time: GrafanaTime): string {
  const { interval, rateInterval } = grafanaIntervals(time);
  const all: Record<string, string> = { ...variables, __interval: interval, __rate_interval: rateInterval };
  return expr.replace(/\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)\]\]/g, (whole, a?: string, b?: string, c?: string) => {
    const name = a ?? b ?? c ?? '';
    if (!(name in all)) throw new Error(`${whole} in ${expr} is not a defined variable`);
    return all[name];
  });
}
