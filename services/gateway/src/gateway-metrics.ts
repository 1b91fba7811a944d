/** The gateway's Prometheus metrics. */
import { Counter, Gauge, type Registry } from 'prom-client';

export class GatewayMetrics {
  readonly connections: Gauge;
  readonly connectionsOpened: Counter;
  readonly connectionsRefused: Counter<'reason'>;
  readonly framesReceived: Counter;
  readonly messagesDelivered: Counter;
  readonly protocolErrors: Counter<'code'>;
  readonly slowConsumers: Counter;
  readonly eventsReplayed: Counter;
  readonly unrecoverableGaps: Counter;
  readonly subscriptionsRefused: Counter<'app_id' | 'type'>;
  readonly framesRateLimited: Counter<'app_id'>;
  readonly floodDisconnects: Counter<'app_id'>;

  constructor(registry: Registry) {
    this.connections = new Gauge({ name: 'herald_gateway_connections', help: 'Open WebSocket connections', registers: [registry] });
    this.connectionsOpened = new Counter({ name: 'herald_gateway_connections_opened_total', help: 'WebSocket connections accepted', registers: [registry] });
    this.connectionsRefused = new Counter({
      name: 'herald_gateway_connections_refused_total',
      help: 'WebSocket connections refused with 4100 over capacity, by reason: ip_connections, ip_rate, process_connections, memory',
      labelNames: ['reason'],
      registers: [registry],
    });
    this.framesReceived = new Counter({ name: 'herald_gateway_frames_received_total', help: 'Frames received from clients', registers: [registry] });
    this.messagesDelivered = new Counter({ name: 'herald_gateway_messages_delivered_total', help: 'Channel events written to sockets', registers: [registry] });
    this.protocolErrors = new Counter({ name: 'herald_gateway_protocol_errors_total', help: 'pusher:error frames sent, by code', labelNames: ['code'], registers: [registry] });
    this.slowConsumers = new Counter({ name: 'herald_gateway_slow_consumers_total', help: 'Sockets closed for not reading', registers: [registry] });
    this.eventsReplayed = new Counter({
      name: 'herald_gateway_journal_events_replayed_total',
      help: 'Events read back from the event journal after a bus reconnect (delivered unless already delivered live)',
      registers: [registry],
    });
    this.unrecoverableGaps = new Counter({
      name: 'herald_gateway_journal_unrecoverable_gaps_total',
      help: 'Bus outages longer than the event journal keeps: the sockets were told to reconnect (4200)',
      registers: [registry],
    });
    this.subscriptionsRefused = new Counter({
      name: 'herald_gateway_subscriptions_refused_total',
      help: 'pusher:subscription_error answers, by type (LimitReached: maxSubscriptionsPerConnection)',
      labelNames: ['app_id', 'type'],
      registers: [registry],
    });
    this.framesRateLimited = new Counter({
      name: 'herald_gateway_frames_rate_limited_total',
      help: 'Client frames not handled for being over the connection frame rate (framesPerSecond, frameBurst)',
      labelNames: ['app_id'],
      registers: [registry],
    });
    this.floodDisconnects = new Counter({
      name: 'herald_gateway_flood_disconnects_total',
      help: 'Sockets closed (4100) for going on sending over their frame rate',
      labelNames: ['app_id'],
      registers: [registry],
    });
  }
}
