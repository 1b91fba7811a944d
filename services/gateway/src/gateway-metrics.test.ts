import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseExposition, samplesOf, sumOf } from '../../../test/helpers/metrics-exposition';
import type { BusEvent } from '../../core/src/codec/event-codec';
import { classifyChannel } from '../../core/src/protocol/channel-names';
import { createMetricsRegistry } from '../../core/src/service/metrics';
import { GatewayMetrics } from './gateway-metrics';
import { channelTypeLabel, closeCodeLabel } from './metric-labels';

const NOW = 1_800_000_000_000;
const SAMPLED = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const UNSAMPLED = '00-5bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00';

const event = (fields: Partial<BusEvent>): BusEvent => ({
  id: 'e',
  appId: 'a',
  channel: 'c',
  name: 'n',
  data: '',
  excludeSocketId: '',
  publishedAtMs: 0,
  userId: '',
  replicated: false,
  traceparent: '',
  tracestate: '',
  ...fields,
});

describe('GatewayMetrics', () => {
  it('counts a fan-out once per event: sockets, bytes, one latency observation, an exemplar only for a sampled trace', async () => {
    const registry = createMetricsRegistry();
    const metrics = new GatewayMetrics(registry, () => NOW);
    metrics.delivered('a', event({ publishedAtMs: NOW - 3, traceparent: SAMPLED }), 5, 100);
    metrics.delivered('a', event({ publishedAtMs: NOW - 40, traceparent: UNSAMPLED }), 2, 50);
    metrics.delivered('b', event({ publishedAtMs: 0 }), 1, 10); // no publish time: counted, not timed
    const open = parseExposition((await registry.render('openmetrics')).body);
    assert.equal(sumOf(open, 'herald_gateway_messages_delivered_total', { app_id: 'a' }), 7);
    assert.equal(sumOf(open, 'herald_gateway_sent_bytes_total', { app_id: 'a' }), 600);
    assert.equal(sumOf(open, 'herald_gateway_messages_delivered_total', { app_id: 'b' }), 1);
    assert.equal(sumOf(open, 'herald_gateway_delivery_latency_seconds_count', { app_id: 'a' }), 2);
    assert.equal(sumOf(open, 'herald_gateway_delivery_latency_seconds_count', { app_id: 'b' }), 0);
    const exemplars = samplesOf(open, 'herald_gateway_delivery_latency_seconds_bucket', { app_id: 'a' }).filter((s) => s.exemplar);
    assert.deepEqual(
      exemplars.map((s) => [s.labels.le, s.exemplar?.labels.trace_id, s.exemplar?.value]),
      [['0.005', '4bf92f3577b34da6a3ce929d0e0e4736', 0.003]],
    );
    // Counts taken in at one scrape are not taken in again at the next.
    const again = parseExposition((await registry.render('prometheus')).body);
    assert.equal(sumOf(again, 'herald_gateway_messages_delivered_total', { app_id: 'a' }), 7);
  });

  it('shows the apps known at start with 0 connections, and counts closes by bounded code', async () => {
    const registry = createMetricsRegistry();
    const metrics = new GatewayMetrics(registry, () => NOW, ['a', 'b']);
    metrics.connectionOpened('a');
    metrics.connectionOpened('a');
    metrics.connectionClosed('a', 4200);
    metrics.connectionClosed('a', 3001);
    const m = parseExposition((await registry.render('prometheus')).body);
    assert.equal(sumOf(m, 'herald_gateway_connections', { app_id: 'a' }), 0);
    assert.equal(samplesOf(m, 'herald_gateway_connections', { app_id: 'b' }).length, 1);
    assert.equal(sumOf(m, 'herald_gateway_connections_opened_total', { app_id: 'a' }), 2);
    assert.equal(sumOf(m, 'herald_gateway_connections_closed_total', { app_id: 'a', code: '4200' }), 1);
    assert.equal(sumOf(m, 'herald_gateway_connections_closed_total', { app_id: 'a', code: 'other' }), 1);
  });
});

describe('metric labels', () => {
  it('keeps the close codes that mean something, and calls the rest "other"', () => {
    for (const code of [1000, 1001, 1005, 1006, 1009, 1011, 4001, 4009, 4100, 4200, 4201, 4202]) assert.equal(closeCodeLabel(code), String(code));
    for (const code of [0, 1002, 3000, 4002, 4299, 4301, 65535]) assert.equal(closeCodeLabel(code), 'other', String(code));
  });

  it('names a channel type by its prefix', () => {
    const cases: Array<[string, string]> = [
      ['news', 'public'],
      ['cache-news', 'cache'],
      ['private-a', 'private'],
      ['private-cache-a', 'private-cache'],
      ['presence-a', 'presence'],
      ['presence-cache-a', 'presence-cache'],
      ['private-encrypted-a', 'private-encrypted'],
      ['private-encrypted-cache-a', 'private-encrypted-cache'],
    ];
    for (const [channel, label] of cases) assert.equal(channelTypeLabel(classifyChannel(channel)), label, channel);
  });
});
