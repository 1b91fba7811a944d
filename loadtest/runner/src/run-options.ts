/** What one run of the load runner does, with the defaults the CLI and the tests share. */
import { availableParallelism } from 'node:os';

export const SCENARIOS = ['fanout', 'many-channels', 'connection-storm', 'presence-churn', 'client-events', 'idle'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface FindMaxOptions {
  readonly startRate: number;
  readonly stepFactor: number;
  readonly maxRate: number;
  readonly stepSeconds: number;
  /** Percent of expected messages a step must deliver to pass. */
  readonly minDeliveryPercent: number;
  readonly maxP99Ms: number;
  /** Bisection steps between the last passing and the first failing rate. */
  readonly refineSteps: number;
  /**
   * How often a failing step is measured again (after a pause) before it counts as failed, so
   * that one stall of a shared machine does not end the search; every attempt is reported.
   */
  readonly retries: number;
}

export interface RunOptions {
  readonly scenario: ScenarioName;
  /** WebSocket target: host:port, ws://host:port or wss://host:port. */
  readonly target: string;
  /** HTTP API base URL. */
  readonly api: string;
  readonly appId: string;
  readonly key: string;
  readonly secret: string;
  readonly connections: number;
  /** Publishes per second (fanout, many-channels). */
  readonly rate: number;
  readonly durationSeconds: number;
  readonly payloadBytes: number;
  readonly workers: number;
  /** `auto`, `none` or a comma-separated list of local addresses. */
  readonly sourceAddresses: string;
  /** Connections each worker opens at once. */
  readonly connectConcurrency: number;
  readonly timeoutMs: number;
  /** idle and connection-storm: how many channels the connections spread over (default: one each). */
  readonly channels?: number;
  readonly serverPids: readonly number[];
  readonly drainIdleMs: number;
  readonly drainTimeoutMs: number;
  readonly maxInflight: number;
  readonly membersPerChannel: number;
  /** presence-churn: leave+join cycles per second, over all members. */
  readonly churnRate: number;
  /** client-events: client events per second per connection (Pusher allows 10). */
  readonly clientEventRate: number;
  readonly findMax?: FindMaxOptions;
}

export const DEFAULT_FIND_MAX: FindMaxOptions = {
  startRate: 10,
  stepFactor: 1.5,
  maxRate: 100_000,
  stepSeconds: 5,
  minDeliveryPercent: 99.9,
  maxP99Ms: 100,
  refineSteps: 3,
  retries: 1,
};

export function defaultOptions(scenario: ScenarioName, target: string): RunOptions {
  return {
    scenario,
    target,
    api: `http://${target.replace(/^wss?:\/\//, '')}`,
    appId: '1',
    key: 'app-key',
    secret: 'app-secret',
    connections: 1000,
    rate: 10,
    durationSeconds: 10,
    payloadBytes: 100,
    workers: Math.max(1, Math.min(4, availableParallelism())),
    sourceAddresses: 'auto',
    connectConcurrency: scenario === 'connection-storm' ? 1000 : 100,
    timeoutMs: 15_000,
    serverPids: [],
    drainIdleMs: 3000,
    drainTimeoutMs: 20_000,
    maxInflight: 256,
    membersPerChannel: 50,
    churnRate: 20,
    clientEventRate: 5,
  };
}
