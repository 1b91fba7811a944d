/**
 * The OpenTelemetry Collector example (deploy/otel-collector/config.yaml) as the Collector reads
 * it: OTLP in over gRPC and HTTP on the standard ports (4318 is what README tells Herald to send
 * to), and a traces pipeline whose every receiver, processor, exporter and extension is defined.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { REPO_ROOT } from './deploy-files';

interface CollectorConfig {
  receivers: Record<string, { protocols?: Record<string, { endpoint?: string }> }>;
  processors: Record<string, unknown>;
  exporters: Record<string, { endpoint?: string }>;
  extensions?: Record<string, unknown>;
  service: { extensions?: string[]; pipelines: Record<string, { receivers: string[]; processors?: string[]; exporters: string[] }> };
}

describe('deploy/otel-collector example', () => {
  const config = parse(readFileSync(join(REPO_ROOT, 'deploy', 'otel-collector', 'config.yaml'), 'utf8')) as CollectorConfig;

  it('receives OTLP over gRPC on 4317 and HTTP on 4318', () => {
    assert.equal(config.receivers.otlp.protocols?.grpc?.endpoint, '0.0.0.0:4317');
    assert.equal(config.receivers.otlp.protocols?.http?.endpoint, '0.0.0.0:4318');
  });

  it('has a traces pipeline from OTLP through batching to OTLP exporters, every component defined', () => {
    const traces = config.service.pipelines.traces;
    assert.ok(traces, 'a traces pipeline');
    assert.deepEqual(traces.receivers, ['otlp']);
    assert.ok(traces.processors?.includes('batch'), 'batched');
    assert.equal(traces.processors?.at(0), 'memory_limiter', 'the memory limiter first, as the Collector recommends');
    assert.ok(traces.exporters.length > 0 && traces.exporters.every((e) => e.startsWith('otlp')), 'OTLP exporters');
    for (const [kind, names] of [
      ['receivers', traces.receivers],
      ['processors', traces.processors ?? []],
      ['exporters', traces.exporters],
      ['extensions', config.service.extensions ?? []],
    ] as const) {
      for (const name of names) assert.ok(name in (config[kind] ?? {}), `${kind}: ${name} is defined`);
    }
  });
});
