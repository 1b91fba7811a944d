import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TraceFlags, trace } from '@opentelemetry/api';
import { contextFromCarrier, traceCarrier } from './event-trace-context';
import { sampledTraceId } from './traceparent';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';

describe('an event’s trace context', () => {
  it('sampledTraceId reads the trace id of a sampled traceparent only', () => {
    assert.equal(sampledTraceId(`00-${TRACE}-${SPAN}-01`), TRACE);
    assert.equal(sampledTraceId(`00-${TRACE}-${SPAN}-03`), TRACE, 'other flag bits do not matter');
    assert.equal(sampledTraceId(`00-${TRACE}-${SPAN}-00`), undefined);
    assert.equal(sampledTraceId(''), undefined);
    assert.equal(sampledTraceId('garbage'), undefined);
    assert.equal(sampledTraceId(`00-${TRACE}-${SPAN}-0`), undefined);
  });

  it('traceCarrier writes sampled contexts only, and contextFromCarrier reads them back', () => {
    const sampled = { traceId: TRACE, spanId: SPAN, traceFlags: TraceFlags.SAMPLED };
    const carrier = traceCarrier(sampled);
    assert.equal(carrier.traceparent, `00-${TRACE}-${SPAN}-01`);
    assert.deepEqual(traceCarrier({ ...sampled, traceFlags: TraceFlags.NONE }), { traceparent: '', tracestate: '' });
    assert.deepEqual(trace.getSpanContext(contextFromCarrier(carrier)), { ...sampled, isRemote: true });
  });

  it('contextFromCarrier ignores a malformed traceparent', () => {
    assert.equal(trace.getSpanContext(contextFromCarrier({ traceparent: 'nonsense' })), undefined);
    assert.equal(trace.getSpanContext(contextFromCarrier({})), undefined);
    assert.equal(trace.getSpanContext(contextFromCarrier({ traceparent: `00-${TRACE}-${SPAN}-01` }))?.spanId, SPAN);
  });
});
