/**
 * The WebSocket edge: accepts Pusher connections on `/app/:key`, wires each socket to the
 * subscription, client-event and fan-out machinery, reports to presence, and drains on
 * shutdown. Holds nothing that must survive it.
 */
import websocket from '@fastify/websocket';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Registry } from 'prom-client';
import type { WebSocket } from 'ws';
import type { AppRegistry } from '../../core/src/apps/app-registry';
import type { Bus } from '../../core/src/bus/bus';
import type { Clock } from '../../core/src/clock';
import type { ServerConfig } from '../../core/src/config/server-schema';
import type { EventJournal } from '../../core/src/journal/event-journal';
import type { Logger } from '../../core/src/logging/logger';
import { PusherErrors } from '../../core/src/protocol/errors';
import { connectionEstablishedFrame, errorFrame } from '../../core/src/protocol/frames';
import type { ReadinessCheck } from '../../core/src/service/health-routes';
import type { HeraldService } from '../../core/src/service/service-lifecycle';
import type { CacheStore } from '../../core/src/stores/cache-store';
import { sampledTraceId } from '../../core/src/tracing/traceparent';
import { type Tracing, tracingOff } from '../../core/src/tracing/tracing';
import type { WebhookSink } from '../../core/src/webhooks/webhook-sink';
import { ActivityMonitor } from './activity-monitor';
import { ChannelRegistry } from './channel-registry';
import { ClientEvents } from './client-events';
import { Connection, type ConnectionContext } from './connection';
import { type AdmissionConfig, ConnectionAdmission } from './connection-admission';
import { ConnectionQuota } from './connection-quota';
import { DeliverySpans } from './delivery-spans';
import { type FanOutResult, fanOut } from './fanout';
import { FrameHandler } from './frame-handler';
import { FrameRateLimit } from './frame-rate-limit';
import { GapRecovery } from './gap-recovery';
import { GatewayMetrics } from './gateway-metrics';
import { checkHandshake } from './handshake';
import { PresenceLink } from './presence-link';
import { RecentEventIds } from './recent-event-ids';
import { ReplicatedEventFilter } from './replicated-event-filter';
import { Signin } from './signin';
import { SocketIdGenerator } from './socket-id';
import { Subscriptions } from './subscriptions';
import { TurnBatchedWrites } from './turn-batched-writes';
import { deliverToUser } from './user-delivery';
import { UserRegistry } from './user-registry';
import { WsTransport } from './ws-transport';

export type GatewayConfig = Pick<
  ServerConfig,
  | 'activityTimeoutSeconds'
  | 'pongTimeoutSeconds'
  | 'maxFrameBytes'
  | 'maxSocketBufferBytes'
  | 'leaseIntervalMs'
  | 'leaseTtlMs'
  | 'busTimeoutMs'
  | 'drainSocketsPerSecond'
  | 'drainTimeoutMs'
  | keyof AdmissionConfig
>;

export interface GatewayOptions {
  readonly config: GatewayConfig;
  readonly apps: AppRegistry;
  readonly bus: Bus;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly gatewayId: string;
  readonly metrics: Registry;
  readonly cache: CacheStore;
  readonly webhooks: WebhookSink;
  /** Where a gateway cut off from the bus replays what it missed (when the journal keeps events). */
  readonly journal: EventJournal;
  /** Consumer spans for sampled events, client events, signin and authorised subscribes (default: off). */
  readonly tracing?: Tracing;
}

export class Gateway implements HeraldService {
  readonly name = 'gateway';
  readonly presence: PresenceLink;
  private readonly registry: ChannelRegistry;
  private readonly subscriptions: Subscriptions;
  private readonly signin: Signin;
  private readonly quota: ConnectionQuota;
  private readonly admission: ConnectionAdmission;
  private readonly frames: FrameHandler;
  private readonly frameRate: FrameRateLimit;
  private readonly activity: ActivityMonitor;
  private readonly metrics: GatewayMetrics;
  private readonly socketIds = new SocketIdGenerator();
  private readonly replicated: ReplicatedEventFilter;
  /** Only when the journal can replay: the ids that tell a replayed event from one delivered. */
  private readonly recentIds: RecentEventIds | undefined;
  private readonly gapRecovery: GapRecovery | undefined;
  private readonly connections = new Set<Connection>();
  private readonly connectionContext: ConnectionContext;
  private readonly writes = new TurnBatchedWrites();
  /** What each fan-out did (one object, refilled per event). */
  private readonly lastDelivery: FanOutResult = { event: undefined, frameBytes: 0 };
  /** With tracing on only. */
  private readonly deliverySpans: DeliverySpans | undefined;
  private accepting = true;

  constructor(private readonly options: GatewayOptions) {
    const { bus, logger, clock, config, gatewayId } = options;
    const tracing = options.tracing ?? tracingOff();
    this.deliverySpans = tracing.enabled ? new DeliverySpans(tracing, bus.messagingSystem) : undefined;
    this.metrics = new GatewayMetrics(options.metrics);
    this.connectionContext = {
      maxBufferedBytes: config.maxSocketBufferBytes,
      onSlowConsumer: (slow) => {
        this.metrics.slowConsumers.inc();
        logger.info({ socketId: slow.socketId, app: slow.app.id }, 'closed a client that does not read (4100)');
      },
    };
    this.replicated = new ReplicatedEventFilter(clock);
    this.presence = new PresenceLink({
      bus,
      gatewayId,
      logger,
      clock,
      leaseIntervalMs: config.leaseIntervalMs,
      leaseTtlMs: config.leaseTtlMs,
      requestTimeoutMs: config.busTimeoutMs,
    });
    this.registry = new ChannelRegistry({
      bus,
      logger,
      interestTimeoutMs: config.busTimeoutMs,
      onMessage: (channel, data) => {
        try {
          const startedAt = this.deliverySpans ? performance.now() : 0;
          const delivered = fanOut(channel, data, this.replicated, this.recentIds, this.lastDelivery);
          this.metrics.messagesDelivered.inc(delivered);
          this.traceDelivery(delivered, startedAt, false);
        } catch (err) {
          logger.error({ err, channel: channel.name }, 'could not deliver a bus message');
        }
      },
      onCountChange: (appId, channel, count) => this.presence.reportCount(appId, channel, count),
      beforeInterestRoundTrip: () => this.presence.sendPending(),
    });
    const { cache, webhooks } = options;
    this.subscriptions = new Subscriptions({ registry: this.registry, presence: this.presence, logger, cache, webhooks, now: () => clock.now() });
    const users = new UserRegistry({
      bus,
      logger,
      interestTimeoutMs: config.busTimeoutMs,
      onMessage: (user, data) => {
        try {
          const startedAt = this.deliverySpans ? performance.now() : 0;
          const delivered = deliverToUser(user, data, this.replicated, this.recentIds, this.lastDelivery);
          this.metrics.messagesDelivered.inc(delivered);
          this.traceDelivery(delivered, startedAt, true);
        } catch (err) {
          logger.error({ err, userId: user.userId }, 'could not deliver a user message');
        }
      },
    });
    this.signin = new Signin(users, this.presence, logger);
    const replay = options.journal.replay;
    if (replay) {
      this.recentIds = new RecentEventIds();
      this.gapRecovery = new GapRecovery({
        bus,
        journal: replay,
        clock,
        logger,
        recentIds: this.recentIds,
        timeoutMs: config.busTimeoutMs,
        localSubjects: () => [...this.registry.subjects(), ...users.subjects()],
        deliver: (entry) => this.registry.deliver(entry.subject, entry.data) || users.deliver(entry.subject, entry.data),
        onReplayed: (events) => this.metrics.eventsReplayed.inc(events),
        onUnrecoverable: () => {
          this.metrics.unrecoverableGaps.inc();
          for (const connection of this.connections) connection.fail(PusherErrors.reconnect);
        },
      });
    }
    this.quota = new ConnectionQuota(bus, gatewayId);
    this.admission = new ConnectionAdmission({ config, clock, refused: this.metrics.connectionsRefused });
    const clientEvents = new ClientEvents({
      bus,
      clock,
      cache,
      webhooks,
      onCacheError: (err, channel) => logger.warn({ err, channel }, 'could not store a cache channel event'),
      tracing,
    });
    this.frames = new FrameHandler(
      this.subscriptions,
      clientEvents,
      this.signin,
      logger,
      (_c, code) => this.metrics.protocolErrors.inc({ code: code === null ? 'none' : String(code) }),
      (c, refusal) => this.metrics.subscriptionsRefused.inc({ app_id: c.app.id, type: refusal.type }),
    );
    this.frameRate = new FrameRateLimit((c, refusal) => {
      this.metrics.framesRateLimited.inc({ app_id: c.app.id });
      if (refusal === 'closed') {
        this.metrics.floodDisconnects.inc({ app_id: c.app.id });
        logger.info({ socketId: c.socketId, app: c.app.id }, 'closed a client that floods frames (4100)');
      } else if (refusal === 'rejected') this.metrics.protocolErrors.inc({ code: '4301' });
    });
    this.activity = new ActivityMonitor(() => this.connections, clock, config.activityTimeoutSeconds * 1000, config.pongTimeoutSeconds * 1000, logger);
  }

  /** Adds the WebSocket routes to a fastify instance (shared with the api in embedded mode). */
  async register(app: FastifyInstance): Promise<void> {
    await app.register(websocket, {
      options: { maxPayload: this.options.config.maxFrameBytes, perMessageDeflate: false, clientTracking: false, autoPong: false },
      // Shutdown is ours (paced drain), not the plugin's close-everything-at-once.
      preClose: () => {},
    });
    await app.register(async (scope) => {
      // While draining, refuse the upgrade itself (HTTP 503): clients back off and a load
      // balancer, seeing /readyz fail, sends them to another gateway.
      scope.addHook('preValidation', async (_request, reply) => {
        if (!this.accepting) await reply.code(503).send({ error: 'gateway is draining' });
      });
      scope.route({
        method: 'GET',
        url: '/app/:key',
        // A plain HTTP request (no upgrade): the `{"error": …}` every Herald route answers, not an empty 404.
        handler: async (_request, reply) => reply.code(404).send({ error: 'Not found: /app/:key takes WebSocket connections only' }),
        wsHandler: (socket, request) => this.accept(socket, request),
      });
    });
  }

  /** Starts the lease with presence, hears the cluster's connection totals and watches sockets for activity; register() comes first. */
  async start(): Promise<void> {
    this.presence.start();
    this.quota.start();
    this.activity.start();
  }

  readiness(): ReadinessCheck {
    return { name: 'gateway', check: () => (this.accepting ? this.admission.overloaded(this.connections.size) : 'draining: not accepting connections') };
  }

  /**
   * Graceful shutdown: stop accepting, tell clients to reconnect elsewhere (4200) at a
   * bounded pace so they do not all come back in the same instant, then release the lease
   * so presence moves their members at once instead of waiting for the TTL.
   */
  async drain(): Promise<void> {
    this.accepting = false;
    const { drainSocketsPerSecond, drainTimeoutMs } = this.options.config;
    const started = this.options.clock.now();
    const batch = Math.max(1, Math.ceil(drainSocketsPerSecond / 20));
    const pending = [...this.connections];
    while (pending.length > 0) {
      const overdue = this.options.clock.now() - started >= drainTimeoutMs;
      for (const connection of pending.splice(0, overdue ? pending.length : batch)) {
        connection.fail(PusherErrors.serverShuttingDown);
      }
      if (pending.length > 0) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    this.presence.release();
  }

  /** Closes what drain left (all of it, if drain was skipped) and releases the lease. */
  async stop(): Promise<void> {
    this.accepting = false;
    this.gapRecovery?.stop();
    this.activity.stop();
    this.quota.stop();
    for (const connection of this.connections) connection.fail(PusherErrors.serverShuttingDown);
    this.presence.release();
    this.presence.stop();
  }

  private accept(socket: WebSocket, request: FastifyRequest): void {
    const transport = WsTransport.adopt(socket, request, this.writes);
    let socketId: string | undefined; // once accepted
    socket.on('error', (err) => this.options.logger.debug({ err, socketId }, 'socket error'));
    const reject = (code: number, message: string) => {
      transport.sendText(errorFrame(code, message));
      transport.close(code, message);
    };
    const { key } = request.params as { key: string };
    if (!this.accepting) return reject(PusherErrors.serverShuttingDown.code, PusherErrors.serverShuttingDown.message);
    const handshake = checkHandshake(this.options.apps, key, request.query as Record<string, unknown>);
    if (!handshake.ok) {
      const message = handshake.detail ? `${handshake.error.message}: ${handshake.detail}` : handshake.error.message;
      return reject(handshake.error.code as number, message);
    }
    const { app } = handshake;
    if (!this.quota.admits(app.id, app.limits.maxConnections)) {
      return reject(PusherErrors.overConnectionQuota.code, PusherErrors.overConnectionQuota.message);
    }
    const admitted = this.admission.admit(request.ip, this.connections.size);
    if (!admitted.ok) return reject(admitted.error.code as number, admitted.error.message);

    const { config, clock } = this.options;
    const connection = new Connection(transport, app, this.socketIds.next(), clock.now(), this.connectionContext);
    socketId = connection.socketId;
    this.connections.add(connection);
    this.presence.reportConnections(app.id, this.quota.change(app.id, 1));
    this.metrics.connections.inc();
    this.metrics.connectionsOpened.inc();

    socket.on('message', (data: Buffer, isBinary: boolean) => {
      const now = clock.now();
      connection.lastActivityAt = now;
      this.metrics.framesReceived.inc();
      if (!this.frameRate.admit(connection, now)) return;
      if (isBinary) {
        connection.fail({ code: null, message: 'Binary frames are not supported; send UTF-8 JSON text' });
        return;
      }
      this.frames.handle(connection, data.toString('utf8'));
    });
    // WebSocket pings are answered here, not by ws (autoPong off), so they spend the frame budget too.
    socket.on('ping', (data: Buffer) => {
      const now = clock.now();
      connection.lastActivityAt = now;
      if (this.frameRate.admit(connection, now)) socket.pong(data);
    });
    socket.on('pong', () => {
      const now = clock.now();
      connection.lastActivityAt = now;
      this.frameRate.admit(connection, now);
    });
    socket.on('close', () => {
      admitted.release();
      this.closed(connection);
    });

    connection.send(connectionEstablishedFrame(connection.socketId, config.activityTimeoutSeconds));
  }

  /** A consumer span for an event of a sampled trace; unsampled events stop at the traceparent check. */
  private traceDelivery(recipients: number, startedAt: number, toUser: boolean): void {
    const event = this.lastDelivery.event;
    if (!this.deliverySpans || !event || sampledTraceId(event.traceparent) === undefined) return;
    this.deliverySpans.record({ event, recipients, frameBytes: this.lastDelivery.frameBytes, startedAt, toUser });
  }

  private closed(connection: Connection): void {
    if (!this.connections.delete(connection)) return;
    connection.closed = true;
    this.subscriptions.leaveAll(connection);
    this.signin.signout(connection);
    this.presence.reportConnections(connection.app.id, this.quota.change(connection.app.id, -1));
    this.metrics.connections.dec();
  }
}
