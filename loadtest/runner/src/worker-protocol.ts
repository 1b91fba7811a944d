/** The messages between the runner's main thread and its connection worker threads. */
import type { AppCredentials, SocketEndpoint } from './endpoint';

export interface WorkerInit {
  readonly endpoint: SocketEndpoint;
  readonly app: AppCredentials;
  readonly timeoutMs: number;
}

/** One connection to open; `channel` is subscribed right after connection_established. */
export interface ConnectionSpec {
  readonly index: number;
  readonly channel?: string;
  /** Presence channels: the user id in the signed channel_data. */
  readonly userId?: string;
  readonly localAddress?: string;
}

export type WorkerRequest =
  | { readonly cmd: 'open'; readonly specs: readonly ConnectionSpec[]; readonly concurrency: number }
  | { readonly cmd: 'count' }
  | { readonly cmd: 'reset' }
  | { readonly cmd: 'stats' }
  | { readonly cmd: 'chat'; readonly ratePerConnection: number; readonly durationMs: number; readonly payloadBytes: number }
  | { readonly cmd: 'churn'; readonly ratePerSecond: number; readonly durationMs: number }
  | { readonly cmd: 'presence-check' }
  | { readonly cmd: 'close' };

export interface OpenResult {
  readonly attempted: number;
  readonly established: number;
  readonly subscribed: number;
  readonly failedIndices: number[];
  readonly failures: Record<string, number>;
  /** Encoded LatencyHistograms: TCP connect → connection_established, subscribe → succeeded. */
  readonly connectLatency: string;
  readonly subscribeLatency: string;
  readonly startedAtMs: number;
  readonly finishedAtMs: number;
}

export interface CountResult {
  readonly delivered: number;
  readonly open: number;
}

export interface StatsResult {
  readonly delivered: number;
  readonly latency: string;
  readonly open: number;
  readonly memberAdded: number;
  readonly unexpectedCloses: Record<string, number>;
  readonly pusherErrors: Record<string, number>;
}

export interface ChatResult {
  readonly sent: number;
  readonly senders: number;
}

export interface ChurnResult {
  readonly leaves: number;
  readonly joins: number;
  readonly joinFailures: Record<string, number>;
  readonly joinLatency: string;
}

export interface PresenceCheckResult {
  readonly views: number;
  readonly consistent: number;
  readonly firstMismatch?: string;
}

export type WorkerEnvelope = { readonly id: number; readonly request: WorkerRequest };
export type WorkerReply = { readonly id: number; readonly ok: true; readonly result: unknown } | { readonly id: number; readonly ok: false; readonly error: string };
