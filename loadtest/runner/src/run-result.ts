/** The result of one run: what the table shows and what --json writes. */
import type { CpuUse } from './cpu-meter';
import type { LatencySummary } from './latency-histogram';
import type { PublishOutcome } from './publish-at-rate';
import type { ScenarioName } from './run-options';

export interface ConnectionReport {
  readonly requested: number;
  readonly established: number;
  readonly subscribed: number;
  readonly failed: number;
  /** Failure reason → count (ECONNREFUSED, connect timeout, pusher:error 4004, …). */
  readonly failures: Record<string, number>;
  readonly setupSeconds: number;
  /** Connections established (and subscribed) per second. */
  readonly setupRate: number;
  /** TCP connect → pusher:connection_established. */
  readonly connectLatencyMs: LatencySummary;
  /** pusher:subscribe → subscription_succeeded. */
  readonly subscribeLatencyMs: LatencySummary;
}

export interface DeliveryReport {
  readonly expected: number;
  readonly delivered: number;
  /** delivered / expected × 100 (100 when nothing was expected). */
  readonly percent: number;
  readonly complete: boolean;
}

export interface ServerReport {
  readonly pids: readonly number[];
  /** `option`: --server-pid; `port`: the processes listening on the (loopback) target's port; null: none known. */
  readonly pidsFoundBy: 'option' | 'port' | null;
  readonly rssBeforeBytes: number | null;
  readonly rssAfterBytes: number | null;
  /** (after − before) / subscribed connections. */
  readonly rssPerConnectionBytes: number | null;
}

export interface StabilityReport {
  /** Connections still open at the end. */
  readonly openAtEnd: number;
  readonly unexpectedCloses: Record<string, number>;
  readonly pusherErrors: Record<string, number>;
}

export interface StepResult {
  readonly rate: number;
  readonly achievedRate: number;
  readonly delivery: DeliveryReport;
  readonly latencyMs: LatencySummary;
  /** Cores busy during the step (publishing and draining). */
  readonly cpu: CpuUse;
  readonly passed: boolean;
  readonly why: string;
}

export interface FindMaxReport {
  readonly criteria: { readonly minDeliveryPercent: number; readonly maxP99Ms: number; readonly stepSeconds: number; readonly retries: number };
  readonly steps: StepResult[];
  /** The highest publish rate that passed; 0 when none did. */
  readonly maxPassingRate: number;
}

export interface RunResult {
  readonly tool: 'herald-loadtest';
  readonly scenario: ScenarioName;
  readonly mode: 'single' | 'find-max';
  readonly target: string;
  readonly api: string;
  readonly startedAt: string;
  readonly settings: Record<string, unknown>;
  readonly connections: ConnectionReport;
  readonly publish?: PublishOutcome;
  /** Cores busy while publishing and draining (runner: all its threads; server: --server-pid and children). */
  readonly cpu?: CpuUse;
  readonly clientEvents?: { readonly sent: number; readonly senders: number; readonly ratePerConnection: number };
  readonly presence?: {
    readonly leaves: number;
    readonly joins: number;
    readonly joinFailures: Record<string, number>;
    readonly joinLatencyMs: LatencySummary;
    readonly memberAddedReceived: number;
    readonly views: number;
    readonly consistentViews: number;
    readonly firstMismatch?: string;
  };
  readonly delivery: DeliveryReport;
  /** End-to-end: publish (or client send / join) → receipt at a subscriber. */
  readonly latencyMs: LatencySummary;
  readonly server: ServerReport;
  readonly stability: StabilityReport;
  readonly findMax?: FindMaxReport;
  /** Every connection subscribed and every expected message arrived. */
  readonly complete: boolean;
}
