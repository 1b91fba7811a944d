/**
 * The message bus every service talks over. Two implementations: `LocalBus` (one process,
 * embedded mode) and `NatsBus` (cluster mode). Both pass the same contract tests
 * (bus-contract.ts), so services cannot tell them apart.
 *
 * Rules:
 * - Subjects are `.`-separated tokens; subscriptions may use `*` (one token) and `>` (the rest).
 * - Messages from one publisher to one subscriber arrive in the order they were published.
 * - Delivery is asynchronous: a handler never runs inside `publish`.
 * - Handlers must not mutate `data`: on LocalBus every subscriber sees the same bytes.
 * - Subscribers in the same `queue` group share the messages (each goes to one of them);
 *   plain subscribers each get every message.
 * - `request` resolves with the first reply; it rejects with BusNoRespondersError when
 *   nobody subscribes to the subject and BusTimeoutError when no reply comes in time.
 */

export interface BusMessage {
  readonly subject: string;
  readonly data: Uint8Array;
  /** True when the sender waits for a reply. */
  readonly expectsReply: boolean;
  /** Sends a reply to the requester; a no-op for plain publishes. */
  respond(data: Uint8Array): void;
}

export type BusHandler = (message: BusMessage) => void;

export interface BusSubscription {
  unsubscribe(): void;
}

export interface SubscribeOptions {
  readonly queue?: string;
}

export type BusStatus = 'connected' | 'disconnected' | 'reconnected' | 'closed';

export interface Bus {
  /** What the bus is, as traces name it (`messaging.system`): `nats`, or `herald_local` in embedded mode. */
  readonly messagingSystem: string;
  publish(subject: string, data: Uint8Array): void;
  subscribe(subject: string, handler: BusHandler, options?: SubscribeOptions): BusSubscription;
  request(subject: string, data: Uint8Array, timeoutMs: number): Promise<Uint8Array>;
  /**
   * Resolves once everything published and subscribed so far has reached the bus (for
   * NATS: a round trip to the server), so a subscription made before `flush` sees every
   * message published by anyone after it. Rejects with BusTimeoutError after `timeoutMs`.
   */
  flush(timeoutMs: number): Promise<void>;
  isConnected(): boolean;
  /** Called on every connection change; returns a function that removes the listener. */
  onStatus(listener: (status: BusStatus) => void): () => void;
  close(): Promise<void>;
}

export class BusTimeoutError extends Error {
  constructor(what: string, timeoutMs: number) {
    super(`${what} timed out after ${timeoutMs} ms`);
    this.name = 'BusTimeoutError';
  }
}

export class BusNoRespondersError extends Error {
  constructor(subject: string) {
    super(`no responders for ${subject}`);
    this.name = 'BusNoRespondersError';
  }
}

export class BusClosedError extends Error {
  constructor() {
    super('the bus is closed');
    this.name = 'BusClosedError';
  }
}
