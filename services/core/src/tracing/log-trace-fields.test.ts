import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { context, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, StackContextManager, TracerProvider } from '@opentelemetry/sdk-trace';
import pino from 'pino';
import { withContext } from './event-trace-context';
import { traceLogFields } from './log-trace-fields';
import { tracingWanted } from './start-tracing';

describe('log lines inside a span', () => {
  const contextManager = new StackContextManager().enable();
  context.setGlobalContextManager(contextManager);
  after(() => context.disable());
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: new InMemorySpanExporter() })] });
  const tracer = provider.getTracer('test');

  function capture(): { logger: pino.Logger; lines: Array<Record<string, unknown>> } {
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
        done();
      },
    });
    return { logger: pino({ mixin: traceLogFields }, sink), lines };
  }

  it('carry the active span’s trace_id and span_id; lines outside carry none', () => {
    const { logger, lines } = capture();
    const span = tracer.startSpan('work');
    withContext(trace.setSpan(ROOT_CONTEXT, span), () => logger.info('inside'));
    logger.info('outside');
    span.end();
    const { traceId, spanId } = span.spanContext();
    assert.equal(lines[0].trace_id, traceId);
    assert.equal(lines[0].span_id, spanId);
    assert.equal(lines[0].trace_flags, '01');
    assert.equal(lines[1].trace_id, undefined);
    assert.equal(lines[1].span_id, undefined);
  });
});

describe('tracingWanted', () => {
  it('needs an OTLP endpoint, and honours OTEL_SDK_DISABLED and OTEL_TRACES_EXPORTER=none', () => {
    assert.equal(tracingWanted({}), false);
    assert.equal(tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }), true);
    assert.equal(tracingWanted({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' }), true);
    assert.equal(tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: '  ' }), false);
    assert.equal(tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' }), false);
    assert.equal(tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_EXPORTER: 'none' }), false);
  });
});
