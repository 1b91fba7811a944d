/**
 * The gateway's Prometheus metrics. Labels are the app id and bounded enums (metric-labels.ts),
 * never a channel name or socket id. What the fan-out reports (`delivered`) runs once per
 * event: it finds the app's label children in a map, adds to two plain numbers that the
 * counters take in at scrape time (a prom-client inc hashes its labels and allocates), makes
 * one histogram observation, and pays for an exemplar only when the event belongs to a sampled trace.
 */
import { Counter, Gauge, Histogram } from 'prom-client';
import type { BusEvent } from '../../core/src/codec/event-codec';
import type { ChannelKind } from '../../core/src/protocol/channel-names';
import type { MetricsRegistry } from '../../core/src/service/metrics';
import { PerApp } from '../../core/src/service/per-app';
import { sampledTraceId } from '../../core/src/tracing/traceparent';
import type { DeliveryObserver } from './delivery-observer';
import { channelTypeLabel, closeCodeLabel } from './metric-labels';

/** 0.5 ms (a local write) to 10 s (a gateway far behind), in seconds. */
const DELIVERY_LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** One app's label children, made once. */
interface AppChildren {
  readonly labels: { readonly app_id: string };
  /** Written sockets and bytes not yet added to `delivered` and `sentBytes` (they are at each scrape). */
  pendingDelivered: number;
  pendingSentBytes: number;
  readonly connections: Gauge.Internal<'app_id'>;
  readonly opened: Counter.Internal;
  readonly delivered: Counter.Internal;
  readonly sentBytes: Counter.Internal;
  readonly receivedBytes: Counter.Internal;
  readonly latency: Histogram.Internal<'app_id'>;
  readonly channels: Gauge.Internal<'app_id'>;
  readonly slowConsumers: Counter.Internal;
  readonly clientEventsRelayed: Counter.Internal;
  readonly clientEventsRejected: Counter.Internal;
}

export class GatewayMetrics implements DeliveryObserver {
  readonly connectionsRefused: Counter<'reason'>;
  readonly framesReceived: Counter;
  readonly protocolErrors: Counter<'code'>;
  readonly eventsReplayed: Counter;
  readonly unrecoverableGaps: Counter;
  readonly subscriptionsRefused: Counter<'app_id' | 'type'>;
  readonly framesRateLimited: Counter<'app_id'>;
  readonly floodDisconnects: Counter<'app_id'>;
  readonly draining: Gauge;
  readonly drainRemaining: Gauge;
  private readonly closed: Counter<'app_id' | 'code'>;
  private readonly subscriptions: Gauge<'app_id' | 'channel_type'>;
  private readonly latency: Histogram<'app_id'>;
  /** The same histogram: prom-client's types take exemplar label names from the metric's own labels. */
  private readonly exemplarLatency: Histogram<'app_id' | 'trace_id'>;
  private readonly apps: PerApp<AppChildren>;

  /** `appIds`: the apps known at start, shown with 0 connections before their first one. */
  constructor(
    registry: MetricsRegistry,
    private readonly now: () => number,
    appIds: readonly string[] = [],
  ) {
    const registers = [registry];
    const connections = new Gauge({ name: 'herald_gateway_connections', help: 'Open WebSocket connections', labelNames: ['app_id'], registers });
    const opened = new Counter({ name: 'herald_gateway_connections_opened_total', help: 'WebSocket connections accepted', labelNames: ['app_id'], registers });
    this.closed = new Counter({
      name: 'herald_gateway_connections_closed_total',
      help: 'WebSocket connections closed, by close code (the one the gateway sent when it closed, else the client’s; unknown codes as "other")',
      labelNames: ['app_id', 'code'],
      registers,
    });
    this.connectionsRefused = new Counter({
      name: 'herald_gateway_connections_refused_total',
      help: 'WebSocket connections refused with 4100 over capacity, by reason: ip_connections, ip_rate, process_connections, memory',
      labelNames: ['reason'],
      registers,
    });
    this.subscriptions = new Gauge({
      name: 'herald_gateway_subscriptions',
      help: 'Channel subscriptions of this gateway’s sockets, by channel type',
      labelNames: ['app_id', 'channel_type'],
      registers,
    });
    const channels = new Gauge({ name: 'herald_gateway_channels', help: 'Channels with at least one subscriber on this gateway', labelNames: ['app_id'], registers });
    this.framesReceived = new Counter({ name: 'herald_gateway_frames_received_total', help: 'Frames received from clients', registers });
    const delivered = new Counter({
      name: 'herald_gateway_messages_delivered_total',
      help: 'Channel and user events written to sockets (one per socket)',
      labelNames: ['app_id'],
      registers,
      collect: () => {
        for (const app of this.apps.all()) {
          if (app.pendingDelivered > 0) app.delivered.inc(app.pendingDelivered);
          app.pendingDelivered = 0;
        }
      },
    });
    const clientEvents = new Counter({
      name: 'herald_gateway_client_events_total',
      help: 'Client events, by result: relayed, rejected',
      labelNames: ['app_id', 'result'],
      registers,
    });
    const receivedBytes = new Counter({ name: 'herald_gateway_received_bytes_total', help: 'WebSocket payload bytes received from clients', labelNames: ['app_id'], registers });
    const sentBytes = new Counter({
      name: 'herald_gateway_sent_bytes_total',
      help: 'WebSocket frame bytes written to sockets',
      labelNames: ['app_id'],
      registers,
      collect: () => {
        for (const app of this.apps.all()) {
          if (app.pendingSentBytes > 0) app.sentBytes.inc(app.pendingSentBytes);
          app.pendingSentBytes = 0;
        }
      },
    });
    this.latency = new Histogram({
      name: 'herald_gateway_delivery_latency_seconds',
      help: 'From an event’s publish time to its write to this gateway’s sockets, once per event',
      labelNames: ['app_id'],
      buckets: DELIVERY_LATENCY_BUCKETS,
      enableExemplars: true,
      registers,
    });
    this.exemplarLatency = this.latency as Histogram<'app_id' | 'trace_id'>;
    this.protocolErrors = new Counter({ name: 'herald_gateway_protocol_errors_total', help: 'pusher:error frames sent, by code', labelNames: ['code'], registers });
    const slowConsumers = new Counter({ name: 'herald_gateway_slow_consumers_total', help: 'Sockets closed for not reading', labelNames: ['app_id'], registers });
    this.eventsReplayed = new Counter({
      name: 'herald_gateway_journal_events_replayed_total',
      help: 'Events read back from the event journal after a bus reconnect (delivered unless already delivered live)',
      registers,
    });
    this.unrecoverableGaps = new Counter({
      name: 'herald_gateway_journal_unrecoverable_gaps_total',
      help: 'Bus outages longer than the event journal keeps: the sockets were told to reconnect (4200)',
      registers,
    });
    this.subscriptionsRefused = new Counter({
      name: 'herald_gateway_subscriptions_refused_total',
      help: 'pusher:subscription_error answers, by type (LimitReached: maxSubscriptionsPerConnection)',
      labelNames: ['app_id', 'type'],
      registers,
    });
    this.framesRateLimited = new Counter({
      name: 'herald_gateway_frames_rate_limited_total',
      help: 'Client frames not handled for being over the connection frame rate (framesPerSecond, frameBurst)',
      labelNames: ['app_id'],
      registers,
    });
    this.floodDisconnects = new Counter({
      name: 'herald_gateway_flood_disconnects_total',
      help: 'Sockets closed (4100) for going on sending over their frame rate',
      labelNames: ['app_id'],
      registers,
    });
    this.draining = new Gauge({ name: 'herald_gateway_draining', help: '1 while the gateway drains (shutting down)', registers });
    this.drainRemaining = new Gauge({
      name: 'herald_gateway_drain_remaining_connections',
      help: 'Connections the drain has still to tell to reconnect elsewhere (4200)',
      registers,
    });

    this.apps = new PerApp((appId) => ({
      labels: { app_id: appId },
      pendingDelivered: 0,
      pendingSentBytes: 0,
      connections: connections.labels(appId),
      opened: opened.labels(appId),
      delivered: delivered.labels(appId),
      sentBytes: sentBytes.labels(appId),
      receivedBytes: receivedBytes.labels(appId),
      latency: this.latency.labels(appId),
      channels: channels.labels(appId),
      slowConsumers: slowConsumers.labels(appId),
      clientEventsRelayed: clientEvents.labels(appId, 'relayed'),
      clientEventsRejected: clientEvents.labels(appId, 'rejected'),
    }));
    for (const appId of appIds) this.apps.get(appId).connections.set(0);
  }

  connectionOpened(appId: string): void {
    const app = this.apps.get(appId);
    app.connections.inc();
    app.opened.inc();
  }

  connectionClosed(appId: string, code: number): void {
    this.apps.get(appId).connections.dec();
    this.closed.inc({ app_id: appId, code: closeCodeLabel(code) });
  }

  /** A socket joined a channel; `first`: the channel's first subscriber on this gateway. */
  subscribed(appId: string, kind: ChannelKind, first: boolean): void {
    this.subscriptions.inc({ app_id: appId, channel_type: channelTypeLabel(kind) });
    if (first) this.apps.get(appId).channels.inc();
  }

  /** A socket left a channel; `last`: the channel has no subscriber left on this gateway. */
  unsubscribed(appId: string, kind: ChannelKind, last: boolean): void {
    this.subscriptions.dec({ app_id: appId, channel_type: channelTypeLabel(kind) });
    if (last) this.apps.get(appId).channels.dec();
  }

  clientEvent(appId: string, relayed: boolean): void {
    const app = this.apps.get(appId);
    (relayed ? app.clientEventsRelayed : app.clientEventsRejected).inc();
  }

  received(appId: string, bytes: number): void {
    this.apps.get(appId).receivedBytes.inc(bytes);
  }

  /** Frames written to one socket outside the fan-out (control frames, a cache replay). */
  sent(appId: string, bytes: number, events: number): void {
    const app = this.apps.get(appId);
    app.pendingSentBytes += bytes;
    app.pendingDelivered += events;
  }

  slowConsumer(appId: string): void {
    this.apps.get(appId).slowConsumers.inc();
  }

  /** Once per event per gateway (the hot path): counts, bytes and one latency observation. */
  delivered(appId: string, event: BusEvent, sockets: number, frameBytes: number): void {
    const app = this.apps.get(appId);
    app.pendingDelivered += sockets;
    app.pendingSentBytes += sockets * frameBytes;
    if (!(event.publishedAtMs > 0)) return;
    const seconds = Math.max(0, this.now() - event.publishedAtMs) / 1000;
    const traceId = sampledTraceId(event.traceparent);
    if (traceId === undefined) app.latency.observe(seconds);
    else this.exemplarLatency.observe({ labels: app.labels, value: seconds, exemplarLabels: { trace_id: traceId } });
  }
}
