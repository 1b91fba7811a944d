/**
 * The gateway's parts wired as Gateway wires them, for unit tests: a LocalBus, a manual clock,
 * the presence service faked on the bus, an in-memory cache, recorded webhooks, and
 * Connections on RecordingTransports. No fastify, no sockets: a test sends a client frame
 * and reads the frames that came back.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import pino from 'pino';
import type { App } from '../../../core/src/apps/app-registry';
import { LocalBus } from '../../../core/src/bus/local-bus';
import { systemClock } from '../../../core/src/clock';
import type { WebhookEventMessage } from '../../../core/src/codec/messages';
import { appSchema } from '../../../core/src/config/app-schema';
import { ManualClock } from '../../../core/src/manual-clock';
import type { CacheStore } from '../../../core/src/stores/cache-store';
import { MemoryCacheStore } from '../../../core/src/stores/memory-cache-store';
import { tracingOff } from '../../../core/src/tracing/tracing';
import type { WebhookSink } from '../../../core/src/webhooks/webhook-sink';
import { ChannelRegistry } from '../channel-registry';
import { ClientEvents } from '../client-events';
import { Connection } from '../connection';
import { FrameHandler } from '../frame-handler';
import { FrameRateLimit, type FrameRefusal } from '../frame-rate-limit';
import { PresenceLink } from '../presence-link';
import { Signin } from '../signin';
import { Subscriptions } from '../subscriptions';
import { UserRegistry } from '../user-registry';
import { FakePresenceService } from './fake-presence-service';
import { RecordingTransport } from './recording-transport';

export const TEST_APP = { id: 'app-1', key: 'key-1', secret: 'secret-1' } as const;

/** An app with Pusher's defaults and the given overrides. */
export function testApp(overrides: Record<string, unknown> = {}): App {
  return appSchema.parse({ ...TEST_APP, ...overrides });
}

export interface TestGatewayOptions {
  readonly maxBufferedBytes?: number;
  /** How long the gateway waits for presence (ms). */
  readonly busTimeoutMs?: number;
  /** Instead of an in-memory cache. */
  readonly cache?: CacheStore;
}

export class TestGateway {
  readonly bus = new LocalBus((err) => {
    throw err;
  });
  readonly clock = new ManualClock();
  readonly logger = pino({ level: 'silent' });
  readonly presenceService = new FakePresenceService(this.bus);
  readonly cache: CacheStore;
  readonly webhookEvents: WebhookEventMessage[] = [];
  readonly webhooks: WebhookSink = { emit: (event) => this.webhookEvents.push(event) };
  /** Channels' subscriber counts as the registry reported them, in order. */
  readonly counts: Array<{ channel: string; count: number }> = [];
  /** Codes the FrameHandler reported as pusher:error (null: no code). */
  readonly protocolErrors: Array<number | null> = [];
  /** The type of every subscription_error the FrameHandler sent, in order. */
  readonly subscriptionRefusals: string[] = [];
  /** What the frame rate limit did with each frame it refused, in order. */
  readonly frameRefusals: FrameRefusal[] = [];
  readonly slowConsumers: Connection[] = [];
  readonly presence: PresenceLink;
  readonly registry: ChannelRegistry;
  readonly users: UserRegistry;
  readonly subscriptions: Subscriptions;
  readonly clientEvents: ClientEvents;
  readonly signin: Signin;
  readonly frames: FrameHandler;
  readonly frameRate: FrameRateLimit;
  private nextSocket = 1;

  constructor(private readonly options: TestGatewayOptions = {}) {
    this.cache = options.cache ?? new MemoryCacheStore(this.clock);
    const { bus, logger, clock, cache, webhooks } = this;
    const busTimeoutMs = options.busTimeoutMs ?? 1000;
    // The link's join retries wait on a real clock: a test that refuses joins must not have to
    // advance the manual one for each retry.
    this.presence = new PresenceLink({ bus, gatewayId: 'gw-test', logger, clock: systemClock, leaseIntervalMs: 60_000, leaseTtlMs: 180_000, requestTimeoutMs: busTimeoutMs });
    this.registry = new ChannelRegistry({
      bus,
      logger,
      interestTimeoutMs: busTimeoutMs,
      onMessage: () => undefined,
      onCountChange: (_appId, channel, count) => this.counts.push({ channel, count }),
    });
    this.users = new UserRegistry({ bus, logger, interestTimeoutMs: busTimeoutMs, onMessage: () => undefined });
    this.subscriptions = new Subscriptions({ registry: this.registry, presence: this.presence, logger, cache, webhooks, now: () => clock.now() });
    this.clientEvents = new ClientEvents({
      bus,
      clock,
      cache,
      webhooks,
      onCacheError: (err) => {
        throw err;
      },
      tracing: tracingOff(),
    });
    this.signin = new Signin(this.users, this.presence, logger);
    this.frames = new FrameHandler(
      this.subscriptions,
      this.clientEvents,
      this.signin,
      logger,
      (_connection, code) => this.protocolErrors.push(code),
      (_connection, refusal) => this.subscriptionRefusals.push(refusal.type),
    );
    this.frameRate = new FrameRateLimit((_connection, refusal) => this.frameRefusals.push(refusal));
  }

  /** A new client connection of `app`. */
  connect(app: App = testApp()): { connection: Connection; transport: RecordingTransport } {
    const transport = new RecordingTransport();
    const connection = new Connection(transport, app, `${this.nextSocket}.${this.nextSocket * 7}`, this.clock.now(), {
      maxBufferedBytes: this.options.maxBufferedBytes ?? 1 << 20,
      onSlowConsumer: (slow) => this.slowConsumers.push(slow),
    });
    this.nextSocket += 1;
    return { connection, transport };
  }

  /** What the gateway does with a text frame from the client: the frame budget first, then the frame. */
  receive(connection: Connection, frame: unknown): void {
    if (!this.frameRate.admit(connection, this.clock.now())) return;
    this.frames.handle(connection, typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Lets everything already started (bus deliveries, awaited joins) run to its end. */
  async settle(): Promise<void> {
    for (let i = 0; i < 10; i++) await nextTurn();
  }

  /** The socket went away (what Gateway does on 'close'). */
  disconnect(connection: Connection): void {
    connection.closed = true;
    this.subscriptions.leaveAll(connection);
    this.signin.signout(connection);
  }

  async stop(): Promise<void> {
    this.presence.stop();
    this.presenceService.stop();
    await this.bus.close();
  }
}
