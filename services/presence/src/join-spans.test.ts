import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import pino from 'pino';
import { AppRegistry } from '../../core/src/apps/app-registry';
import { LocalBus } from '../../core/src/bus/local-bus';
import { subjects } from '../../core/src/bus/subjects';
import { type BusEvent, decodeEvent } from '../../core/src/codec/event-codec';
import { GatewayUpdate, type MemberJoinMessage, type WebhookEventMessage } from '../../core/src/codec/messages';
import { appSchema } from '../../core/src/config/app-schema';
import { ManualClock } from '../../core/src/manual-clock';
import { MetricsRegistry } from '../../core/src/service/metrics';
import { type Tracing, tracingOff } from '../../core/src/tracing/tracing';
import { Presence } from './presence';

const APP = appSchema.parse({
  id: 'app-1',
  key: 'key-1',
  secret: 'secret-1',
  webhooks: [{ url: 'http://127.0.0.1:1/hooks', events: ['member_added', 'channel_occupied'] }],
  limits: { maxPresenceMembers: 1 },
});
const CHANNEL = 'presence-room';
/** A gateway's sampled `pusher:subscribe presence` span. */
const SUBSCRIBE_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SUBSCRIBE_SPAN = '00f067aa0ba902b7';
const SUBSCRIBE_CONTEXT = `00-${SUBSCRIBE_TRACE}-${SUBSCRIBE_SPAN}-01`;

/** One real presence replica on a LocalBus, its events and webhooks recorded, its spans exported to memory. */
function replica(tracing: Tracing) {
  const bus = new LocalBus((err) => {
    throw err;
  });
  const webhooks: WebhookEventMessage[] = [];
  const presence = new Presence({
    bus,
    apps: new AppRegistry([APP]),
    logger: pino({ level: 'silent' }),
    clock: new ManualClock(),
    replicaId: 'presence-test',
    syncGraceMs: 0,
    defaultLeaseTtlMs: 60_000,
    webhooks: { emit: (event) => webhooks.push(event) },
    metrics: new MetricsRegistry(),
    tracing,
  });
  const events: BusEvent[] = [];
  bus.subscribe(subjects.channel(APP.id, CHANNEL), (message) => events.push(decodeEvent(message.data)));
  let seq = 0;
  return {
    presence,
    events,
    webhooks,
    /** A gateway's update: this socket's count and its join, as PresenceLink sends them. */
    async join(socketId: string, userId: string, context: Partial<MemberJoinMessage> = {}): Promise<void> {
      seq += 1;
      const join = { appId: APP.id, channel: CHANNEL, socketId, userId, userInfo: '', ...context };
      bus.publish(subjects.presenceUpdates, GatewayUpdate.encode({ gatewayId: 'gw-1', seq, counts: [{ appId: APP.id, channel: CHANNEL, count: seq }], joins: [join] }));
      for (let i = 0; i < 5; i++) await nextTurn();
    },
    async stop(): Promise<void> {
      await presence.stop();
      await bus.close();
    },
  };
}

function memoryTracing(): { tracing: Tracing; exporter: InMemorySpanExporter } {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  return { tracing: { enabled: true, tracer: provider.getTracer('test') }, exporter };
}

describe('presence join spans', () => {
  let stop: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await stop?.();
    stop = undefined;
  });

  it('a join with a sampled context: a CONSUMER span, child of it, whose context member_added and the webhooks carry', async () => {
    const { tracing, exporter } = memoryTracing();
    const r = replica(tracing);
    stop = r.stop;
    await r.presence.start();
    await r.join('1.1', 'alice', { traceparent: SUBSCRIBE_CONTEXT, tracestate: 'vendor=x' });

    const [span] = exporter.getFinishedSpans();
    assert.equal(exporter.getFinishedSpans().length, 1);
    assert.equal(span.name, 'process presence join');
    assert.equal(span.kind, SpanKind.CONSUMER);
    assert.equal(span.spanContext().traceId, SUBSCRIBE_TRACE);
    assert.equal(span.parentSpanContext?.spanId, SUBSCRIBE_SPAN);
    assert.deepEqual(span.attributes, {
      'messaging.system': 'herald_local',
      'messaging.operation.name': 'process',
      'messaging.operation.type': 'process',
      'messaging.destination.name': subjects.presenceUpdates,
      'herald.app_id': APP.id,
      'herald.channel': CHANNEL,
      'herald.socket_id': '1.1',
      'herald.result': 'member_added',
    });
    const joinContext = `00-${SUBSCRIBE_TRACE}-${span.spanContext().spanId}-01`;

    const added = r.events.filter((e) => e.name === 'pusher_internal:member_added');
    assert.equal(added.length, 1);
    assert.equal(added[0].traceparent, joinContext);
    assert.equal(added[0].tracestate, 'vendor=x', 'the caller’s tracestate travels on');
    assert.deepEqual(
      r.webhooks.map((w) => [w.name, w.traceparent]),
      [
        ['channel_occupied', joinContext],
        ['member_added', joinContext],
      ],
    );
  });

  it('a join refused for a full channel: the span ends ERROR with result rejected', async () => {
    const { tracing, exporter } = memoryTracing();
    const r = replica(tracing);
    stop = r.stop;
    await r.presence.start();
    await r.join('1.1', 'alice');
    await r.join('1.2', 'bob', { traceparent: SUBSCRIBE_CONTEXT });
    const spans = exporter.getFinishedSpans();
    assert.equal(spans.length, 1, 'only the traced join has a span');
    assert.equal(spans[0].attributes['herald.result'], 'rejected');
    assert.equal(spans[0].status.code, SpanStatusCode.ERROR);
    assert.match(spans[0].status.message ?? '', /is full/);
  });

  it('a join without a context: no span, and member_added carries none', async () => {
    const { tracing, exporter } = memoryTracing();
    const r = replica(tracing);
    stop = r.stop;
    await r.presence.start();
    await r.join('1.1', 'alice');
    assert.deepEqual(exporter.getFinishedSpans(), []);
    assert.deepEqual(
      r.events.map((e) => [e.name, e.traceparent]),
      [['pusher_internal:member_added', '']],
    );
    assert.deepEqual(
      r.webhooks.map((w) => w.traceparent ?? ''),
      ['', ''],
    );
  });

  it('with tracing off, a carried context goes no further', async () => {
    const r = replica(tracingOff());
    stop = r.stop;
    await r.presence.start();
    await r.join('1.1', 'alice', { traceparent: SUBSCRIBE_CONTEXT });
    assert.deepEqual(
      r.events.map((e) => e.traceparent),
      [''],
    );
    assert.deepEqual(
      r.webhooks.map((w) => w.traceparent ?? ''),
      ['', ''],
    );
  });
});
