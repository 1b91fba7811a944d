/**
 * Reads what a Herald `/metrics` serves: the samples of the Prometheus text format or of
 * OpenMetrics (with exemplars), with each sample's family checked against its `# TYPE` line.
 * (The npm parser there is, parse-prometheus-text-format, loses the labels of labelled
 * histograms, so the tests read the exposition with this.)
 */

export interface Sample {
  /** The sample's name, e.g. `herald_x_total`, `herald_y_seconds_bucket`. */
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
  /** OpenMetrics only: `# {trace_id="…"} value timestamp` after the sample. */
  readonly exemplar?: { readonly labels: Readonly<Record<string, string>>; readonly value: number };
}

export interface Exposition {
  readonly samples: readonly Sample[];
  /** Family name → type, from the `# TYPE` lines. */
  readonly types: ReadonlyMap<string, string>;
}

const LABELS = '\\{((?:[^"}]|"(?:[^"\\\\]|\\\\.)*")*)\\}';
const SAMPLE = new RegExp(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:${LABELS})? (\\S+)(?: # ${LABELS} (\\S+)(?: \\S+)?)?$`);
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
const SUFFIXES = ['_total', '_bucket', '_count', '_sum', '_created', ''];

function labelsOf(text: string | undefined): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [, name, value] of (text ?? '').matchAll(LABEL)) labels[name] = value.replace(/\\"/g, '"').replace(/\\n/g, '\n').replace(/\\\\/g, '\\');
  return labels;
}

/** Parses the whole text; throws on a line that is neither a comment nor a sample, or a sample of no declared family. */
export function parseExposition(text: string): Exposition {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '' || line === '# EOF') continue;
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) {
      types.set(type[1], type[2]);
      continue;
    }
    if (line.startsWith('# ')) continue;
    const match = SAMPLE.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const [, name, labels, value, exemplarLabels, exemplarValue] = match;
    if (!SUFFIXES.some((s) => name.endsWith(s) && types.has(name.slice(0, name.length - s.length)))) throw new Error(`sample of no declared family: ${line}`);
    samples.push({
      name,
      labels: labelsOf(labels),
      value: Number(value),
      ...(exemplarLabels !== undefined ? { exemplar: { labels: labelsOf(exemplarLabels), value: Number(exemplarValue) } } : {}),
    });
  }
  return { samples, types };
}

/** The samples named `name` whose labels include `labels`. */
export function samplesOf(exposition: Exposition, name: string, labels: Record<string, string> = {}): Sample[] {
  return exposition.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

/** The sum of the matching samples' values (0 when there is none). */
export function sumOf(exposition: Exposition, name: string, labels: Record<string, string> = {}): number {
  return samplesOf(exposition, name, labels).reduce((sum, s) => sum + s.value, 0);
}

/** GETs `/metrics` (with `accept`, when given) and returns the answer. */
export async function scrape(port: number, accept?: string): Promise<{ contentType: string; text: string; exposition: Exposition }> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: accept ? { accept } : {}, signal: AbortSignal.timeout(5000) });
  if (response.status !== 200) throw new Error(`/metrics answered ${response.status}`);
  const text = await response.text();
  return { contentType: response.headers.get('content-type') ?? '', text, exposition: parseExposition(text) };
}
