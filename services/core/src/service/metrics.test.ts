import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Counter, Histogram } from 'prom-client';
import { parseExposition, samplesOf } from '../../../../test/helpers/metrics-exposition';
import { createMetricsRegistry, type MetricsFormat, requestedMetricsFormat } from './metrics';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

function registryWithTraffic() {
  const registry = createMetricsRegistry({ node: 'n1' });
  const counter = new Counter({ name: 'test_things_total', help: 'things', labelNames: ['app_id'], registers: [registry] });
  const histogram = new Histogram({ name: 'test_wait_seconds', help: 'waits', labelNames: ['app_id'], buckets: [0.1, 1], enableExemplars: true, registers: [registry] });
  counter.inc({ app_id: 'a' }, 3);
  // prom-client's types take exemplar label names from the metric's own labels.
  (histogram as Histogram<'app_id' | 'trace_id'>).observe({ labels: { app_id: 'a' }, value: 0.05, exemplarLabels: { trace_id: TRACE_ID } });
  histogram.labels('a').observe(0.5);
  return registry;
}

describe('MetricsRegistry', () => {
  it('renders OpenMetrics with exemplars and # EOF, counters typed by their family name', async () => {
    const rendered = await registryWithTraffic().render('openmetrics');
    assert.match(rendered.contentType, /^application\/openmetrics-text; version=1\.0\.0/);
    assert.ok(rendered.body.endsWith('# EOF\n'));
    const exposition = parseExposition(rendered.body);
    assert.equal(exposition.types.get('test_things'), 'counter');
    assert.deepEqual(
      samplesOf(exposition, 'test_things_total').map((s) => [s.labels, s.value]),
      [[{ app_id: 'a', node: 'n1' }, 3]],
    );
    const [fast] = samplesOf(exposition, 'test_wait_seconds_bucket', { le: '0.1' });
    assert.deepEqual(fast.exemplar, { labels: { trace_id: TRACE_ID }, value: 0.05 });
    assert.equal(samplesOf(exposition, 'test_wait_seconds_bucket', { le: '1' })[0].exemplar, undefined, 'no exemplar for the unsampled observation');
    assert.equal(samplesOf(exposition, 'test_wait_seconds_count')[0].value, 2);
  });

  it('renders the classic text format without exemplars, counters named with _total', async () => {
    const rendered = await registryWithTraffic().render('prometheus');
    assert.match(rendered.contentType, /^text\/plain; version=0\.0\.4/);
    assert.doesNotMatch(rendered.body, /# EOF|trace_id/);
    const exposition = parseExposition(rendered.body);
    assert.equal(exposition.types.get('test_things_total'), 'counter');
    assert.equal(samplesOf(exposition, 'test_wait_seconds_count')[0].value, 2);
  });

  it('keeps each of many overlapping scrapes in its own format, and counter names intact after OpenMetrics', async () => {
    const registry = registryWithTraffic();
    const formats = Array.from({ length: 20 }, (_, i) => (i % 3 === 0 ? 'prometheus' : 'openmetrics') as MetricsFormat);
    const rendered = await Promise.all(formats.map((f) => registry.render(f)));
    rendered.forEach((r, i) => {
      const openMetrics = formats[i] === 'openmetrics';
      assert.equal(r.body.endsWith('# EOF\n'), openMetrics, `scrape ${i} (${formats[i]})`);
      assert.equal(r.body.includes('# TYPE test_things_total counter'), !openMetrics, `scrape ${i} (${formats[i]}): the counter's TYPE line`);
      assert.match(r.body, /^test_things_total\{/m);
    });
    assert.equal((registry.getSingleMetric('test_things_total') as unknown as { name: string }).name, 'test_things_total');
  });

  it('answers OpenMetrics only to an Accept that names it', () => {
    assert.equal(requestedMetricsFormat('application/openmetrics-text; version=1.0.0,text/plain;version=0.0.4;q=0.5'), 'openmetrics');
    assert.equal(requestedMetricsFormat('text/plain'), 'prometheus');
    assert.equal(requestedMetricsFormat('*/*'), 'prometheus');
    assert.equal(requestedMetricsFormat(undefined), 'prometheus');
  });
});
