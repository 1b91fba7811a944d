/**
 * The Bus over NATS core (the `nats` client). Reconnects forever with jitter; subscriptions
 * are re-created by the client after a reconnect; publishes made while disconnected wait in
 * the client's reconnect buffer — callers that must know an event reached the server
 * (the api) call `flush`, which needs a round trip to the server.
 */

import { connect, ErrorCode, type NatsConnection, type NatsError, type Subscription } from 'nats';
import { type Bus, BusClosedError, type BusHandler, BusNoRespondersError, type BusStatus, type BusSubscription, BusTimeoutError, type SubscribeOptions } from './bus';
import { type HandlerErrorReporter, reportToStderr } from './handler-errors';
import { type NatsAuth, natsConnectionAuth } from './nats-auth';
import { assertSupportedNatsServer } from './nats-server-version';

export interface NatsBusOptions {
  readonly servers: readonly string[];
  /** Shown in the NATS server's connection list (`/connz`). */
  readonly name: string;
  readonly onHandlerError?: HandlerErrorReporter;
  /** Wait between reconnect attempts (ms). */
  readonly reconnectTimeWaitMs?: number;
  /** How to authenticate (default: as the URLs say, or not at all). */
  readonly auth?: NatsAuth;
}

export class NatsBus implements Bus {
  readonly messagingSystem = 'nats';
  private connected = true;
  private closed = false;
  private pendingRoundTrip: Promise<void> | undefined;
  /** Publishes of this turn not yet handed to the client, as subject, data, subject, data… */
  private queued: Array<string | Uint8Array> = [];
  private drainScheduled = false;
  private readonly statusListeners = new Set<(s: BusStatus) => void>();

  private constructor(
    private readonly nc: NatsConnection,
    private readonly onHandlerError: HandlerErrorReporter,
  ) {
    void this.watchStatus();
  }

  /** Connects, retrying until a server answers (services may start before NATS). */
  static async connect(options: NatsBusOptions): Promise<NatsBus> {
    const auth = natsConnectionAuth(options.servers, options.auth ?? {});
    const nc = await connect({
      ...auth.options,
      servers: auth.servers,
      name: options.name,
      waitOnFirstConnect: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: options.reconnectTimeWaitMs ?? 250,
      reconnectJitter: 100,
      pingInterval: 5_000,
      maxPingOut: 2,
      noEcho: false,
    });
    try {
      assertSupportedNatsServer(nc.info?.version, nc.getServer());
    } catch (err) {
      await nc.close();
      throw err;
    }
    return new NatsBus(nc, options.onHandlerError ?? reportToStderr);
  }

  /** The underlying connection, for JetStream stores built beside the bus. */
  natsConnection(): NatsConnection {
    return this.nc;
  }

  /** The URL of the server this client is attached to right now. */
  connectedServer(): string {
    return this.nc.getServer();
  }

  /**
   * Publishes are handed to the client together at the end of the turn (or before anything
   * else this bus sends). The client writes its buffer to the socket once per microtask
   * checkpoint, and an API server handles each request in its own I/O callback: handing them
   * over one by one cost one write system call, and one wake-up of nats-server, per event.
   */
  publish(subject: string, data: Uint8Array): void {
    if (this.closed) throw new BusClosedError();
    const maxPayload = this.nc.info?.max_payload;
    if (maxPayload !== undefined && data.length > maxPayload) {
      throw new Error(`message of ${data.length} bytes is over the NATS server's max_payload of ${maxPayload}`);
    }
    this.queued.push(subject, data);
    if (!this.drainScheduled) {
      this.drainScheduled = true;
      setImmediate(this.drainQueued);
    }
  }

  /** Hands the queued publishes to the client, in order; a no-op when none are queued. */
  private readonly drainQueued = (): void => {
    this.drainScheduled = false;
    if (this.queued.length === 0) return;
    const queued = this.queued;
    this.queued = [];
    for (let i = 0; i < queued.length; i += 2) {
      const subject = queued[i] as string;
      try {
        this.nc.publish(subject, queued[i + 1] as Uint8Array);
      } catch (err) {
        // Only a closing connection gets here (sizes are checked in publish); flush reports it.
        this.onHandlerError(err, subject);
      }
    }
  };

  subscribe(subject: string, handler: BusHandler, options: SubscribeOptions = {}): BusSubscription {
    if (this.closed) throw new BusClosedError();
    this.drainQueued();
    const sub: Subscription = this.nc.subscribe(subject, {
      queue: options.queue,
      callback: (err, msg) => {
        if (err) {
          this.onHandlerError(err, subject);
          return;
        }
        try {
          handler({
            subject: msg.subject,
            data: msg.data,
            expectsReply: Boolean(msg.reply),
            respond: (reply) => {
              if (!msg.reply || this.closed) return;
              this.drainQueued();
              msg.respond(reply);
            },
          });
        } catch (handlerErr) {
          this.onHandlerError(handlerErr, subject);
        }
      },
    });
    return {
      unsubscribe: () => {
        this.drainQueued();
        sub.unsubscribe();
      },
    };
  }

  async request(subject: string, data: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    if (this.closed) throw new BusClosedError();
    this.drainQueued();
    try {
      const reply = await this.nc.request(subject, data, { timeout: timeoutMs, noMux: false });
      return reply.data;
    } catch (err) {
      const code = (err as NatsError).code;
      if (code === ErrorCode.NoResponders) throw new BusNoRespondersError(subject);
      if (code === ErrorCode.Timeout) throw new BusTimeoutError(`request to ${subject}`, timeoutMs);
      throw err;
    }
  }

  async flush(timeoutMs: number): Promise<void> {
    if (this.closed) throw new BusClosedError();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new BusTimeoutError('flush', timeoutMs)), timeoutMs);
    });
    try {
      await Promise.race([this.sharedRoundTrip(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Flushes asked for during one event-loop turn share one PING: it is sent after the turn,
   * behind every message published in it, and the server answers it only after processing
   * them. One round trip per turn instead of one per API request.
   */
  private sharedRoundTrip(): Promise<void> {
    if (!this.pendingRoundTrip) {
      this.pendingRoundTrip = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        // Anything published from here on needs a later PING.
        this.pendingRoundTrip = undefined;
        this.drainQueued();
        return this.nc.flush();
      });
    }
    return this.pendingRoundTrip;
  }

  isConnected(): boolean {
    return this.connected && !this.closed;
  }

  onStatus(listener: (status: BusStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.drainQueued();
    this.closed = true;
    try {
      await this.nc.drain();
    } catch {
      await this.nc.close();
    }
  }

  private emit(status: BusStatus): void {
    for (const listener of this.statusListeners) listener(status);
  }

  private async watchStatus(): Promise<void> {
    void this.nc.closed().then(() => {
      this.connected = false;
      this.emit('closed');
    });
    for await (const status of this.nc.status()) {
      if (status.type === 'disconnect') {
        this.connected = false;
        this.emit('disconnected');
      } else if (status.type === 'reconnect') {
        this.connected = true;
        this.emit('reconnected');
      }
    }
  }
}
