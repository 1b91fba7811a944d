/** `npm run loadtest -- <scenario> --target host:port [options]` → RunOptions. */
import { parseArgs } from 'node:util';
import { DEFAULT_FIND_MAX, defaultOptions, type RunOptions, SCENARIOS, type ScenarioName } from './run-options';

export const USAGE = `Usage: npm run loadtest -- <scenario> --target HOST:PORT [options]

Scenarios:
  fanout            one channel, --connections subscribers, API publishes at --rate for --duration
  many-channels     --connections connections each on its own channel, publishes round-robin
  connection-storm  open --connections connections as fast as possible (set-up rate, failures)
  presence-churn    presence members leave and rejoin at --churn-rate per second
  client-events     pairs on private channels sending client events at --client-rate each
  idle              hold --connections subscribed idle connections for --duration (RSS per connection)

Target and app:
  --target HOST:PORT        WebSocket endpoint (ws:// or wss:// prefix allowed)      (required)
  --api URL                 HTTP API base URL                    (default http://<target>)
  --app-id ID --key KEY --secret SECRET                (default 1 / app-key / app-secret)

Load:
  --connections N           connections (alias --subscribers)                  (default 1000)
  --rate R                  publishes per second                                (default 10)
  --duration S              seconds of publishing / chatting / churn / holding  (default 10)
  --payload-bytes B         event data size                                   (default 100)
  --channels N              idle, connection-storm: channels to spread over (default: one each)
  --members-per-channel N   presence-churn                                       (default 50)
  --churn-rate R            presence-churn: leave+rejoin per second, all members (default 20)
  --client-rate R           client-events: per connection per second, ≤ 10      (default 5)

Runner:
  --workers N               connection worker threads            (default min(4, cores))
  --source-addresses A      auto | none | 127.0.0.2,127.0.0.3,…                  (default auto)
  --connect-concurrency N   connections each worker opens at once (100; storm 1000)
  --timeout-ms MS           connect / subscribe timeout                      (default 15000)
  --max-inflight N          publish requests in flight                         (default 256)
  --drain-idle-ms MS        stop waiting for deliveries after this long without one (3000)
  --drain-timeout-ms MS     stop waiting for deliveries after this long      (default 20000)
  --server-pid PID[,PID]    report the server's RSS (VmRSS, with child processes)
                            (default: for a loopback target, whoever listens on its port)

find-max (fanout, many-channels):
  --find-max                step the rate up until delivery < --min-delivery or p99 > --max-p99-ms
  --start-rate R (10)  --step-factor F (1.5)  --max-rate R (100000)  --step-duration S (5)
  --min-delivery PCT (99.9)  --max-p99-ms MS (100)  --refine N (3)
  --retries N (1)           measure a failing step again N times before it counts as failed

Output:
  --json PATH               write the result as JSON
  --expect-complete         exit 1 unless every connection subscribed and every message arrived
`;

export interface CliRun {
  readonly options: RunOptions;
  readonly jsonPath?: string;
  readonly expectComplete: boolean;
}

function num(name: string, raw: string | undefined, fallback: number, { integer = false, min = 0 } = {}): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
    throw new Error(`--${name}: expected ${integer ? 'an integer' : 'a number'} ≥ ${min}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

export function parseCli(argv: readonly string[]): CliRun | 'help' {
  const { values: v, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      target: { type: 'string' },
      api: { type: 'string' },
      'app-id': { type: 'string' },
      key: { type: 'string' },
      secret: { type: 'string' },
      connections: { type: 'string' },
      subscribers: { type: 'string' },
      rate: { type: 'string' },
      duration: { type: 'string' },
      'payload-bytes': { type: 'string' },
      channels: { type: 'string' },
      'members-per-channel': { type: 'string' },
      'churn-rate': { type: 'string' },
      'client-rate': { type: 'string' },
      workers: { type: 'string' },
      'source-addresses': { type: 'string' },
      'connect-concurrency': { type: 'string' },
      'timeout-ms': { type: 'string' },
      'max-inflight': { type: 'string' },
      'drain-idle-ms': { type: 'string' },
      'drain-timeout-ms': { type: 'string' },
      'server-pid': { type: 'string' },
      'find-max': { type: 'boolean' },
      'start-rate': { type: 'string' },
      'step-factor': { type: 'string' },
      'max-rate': { type: 'string' },
      'step-duration': { type: 'string' },
      'min-delivery': { type: 'string' },
      'max-p99-ms': { type: 'string' },
      refine: { type: 'string' },
      retries: { type: 'string' },
      json: { type: 'string' },
      'expect-complete': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (v.help) return 'help';
  const scenario = positionals[0] as ScenarioName | undefined;
  if (!scenario || !SCENARIOS.includes(scenario)) throw new Error(`expected a scenario (${SCENARIOS.join(', ')}), got ${JSON.stringify(positionals[0] ?? '')}`);
  if (positionals.length > 1) throw new Error(`unexpected argument ${JSON.stringify(positionals[1])}`);
  if (!v.target) throw new Error('--target HOST:PORT is required');
  const d = defaultOptions(scenario, v.target);
  const int = { integer: true, min: 1 };
  const clientRate = num('client-rate', v['client-rate'], d.clientEventRate, { min: 0.1 });
  if (clientRate > 10) throw new Error('--client-rate: Pusher allows at most 10 client events per second per connection');
  const serverPids = (v['server-pid'] ?? '')
    .split(',')
    .filter(Boolean)
    .map((pid) => num('server-pid', pid, 0, int));
  const options: RunOptions = {
    ...d,
    api: v.api ?? d.api,
    appId: v['app-id'] ?? d.appId,
    key: v.key ?? d.key,
    secret: v.secret ?? d.secret,
    connections: num('connections', v.connections ?? v.subscribers, d.connections, int),
    rate: num('rate', v.rate, d.rate, { min: 0.1 }),
    durationSeconds: num('duration', v.duration, d.durationSeconds, { min: 0.1 }),
    payloadBytes: num('payload-bytes', v['payload-bytes'], d.payloadBytes, { integer: true, min: 0 }),
    channels: v.channels === undefined ? undefined : num('channels', v.channels, 1, int),
    membersPerChannel: num('members-per-channel', v['members-per-channel'], d.membersPerChannel, int),
    churnRate: num('churn-rate', v['churn-rate'], d.churnRate, { min: 0.1 }),
    clientEventRate: clientRate,
    workers: num('workers', v.workers, d.workers, int),
    sourceAddresses: v['source-addresses'] ?? d.sourceAddresses,
    connectConcurrency: num('connect-concurrency', v['connect-concurrency'], d.connectConcurrency, int),
    timeoutMs: num('timeout-ms', v['timeout-ms'], d.timeoutMs, int),
    maxInflight: num('max-inflight', v['max-inflight'], d.maxInflight, int),
    drainIdleMs: num('drain-idle-ms', v['drain-idle-ms'], d.drainIdleMs, int),
    drainTimeoutMs: num('drain-timeout-ms', v['drain-timeout-ms'], d.drainTimeoutMs, int),
    serverPids,
    findMax: v['find-max']
      ? {
          startRate: num('start-rate', v['start-rate'], DEFAULT_FIND_MAX.startRate, int),
          stepFactor: num('step-factor', v['step-factor'], DEFAULT_FIND_MAX.stepFactor, { min: 1.01 }),
          maxRate: num('max-rate', v['max-rate'], DEFAULT_FIND_MAX.maxRate, int),
          stepSeconds: num('step-duration', v['step-duration'], DEFAULT_FIND_MAX.stepSeconds, { min: 0.5 }),
          minDeliveryPercent: num('min-delivery', v['min-delivery'], DEFAULT_FIND_MAX.minDeliveryPercent),
          maxP99Ms: num('max-p99-ms', v['max-p99-ms'], DEFAULT_FIND_MAX.maxP99Ms),
          refineSteps: num('refine', v.refine, DEFAULT_FIND_MAX.refineSteps, { integer: true, min: 0 }),
          retries: num('retries', v.retries, DEFAULT_FIND_MAX.retries, { integer: true, min: 0 }),
        }
      : undefined,
  };
  return { options, jsonPath: v.json, expectComplete: Boolean(v['expect-complete']) };
}
