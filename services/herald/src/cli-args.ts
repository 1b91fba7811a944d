/**
 * `herald [command] [flags]`. Flags override HERALD_* environment variables; both are
 * validated together by the config loader.
 */
import { parseArgs } from 'node:util';
import type { ConfigInput, FlagValue } from '../../core/src/config/load-config';
import type { ServerConfig } from '../../core/src/config/server-schema';

const COMMANDS = ['embedded', 'gateway', 'presence', 'api', 'webhooks', 'all', 'cluster'] as const;
export type Command = (typeof COMMANDS)[number];

export const USAGE = `Usage: herald [command] [flags]

Commands:
  embedded (default)  gateway, api and presence in one process on an in-process bus
  gateway             the WebSocket gateway (cluster mode; needs --nats)
  presence            a presence replica (cluster mode; needs --nats)
  api                 the Pusher HTTP API (cluster mode; needs --nats)
  webhooks            durable webhook delivery from JetStream (cluster mode; needs --nats)
  all                 gateway, api and presence in one process on NATS
  cluster             a local cluster to try: nats-server, 2 gateways, 2 presence, api, webhooks

Flags (each also has a HERALD_* environment variable, see README):
  --port N            listen port (default 6001)
  --host H            listen address (default 0.0.0.0)
  --metrics-port N    serve /metrics, /healthz, /readyz on this port instead (default: the main port)
  --metrics-host H    listen address of that port (default: --host)
  --apps FILE|URL     apps file (YAML or JSON), or postgres://user:pass@host:port/db
  --nats URL[,URL]    NATS servers
  --workers N         gateway worker processes
  --gateway-id ID     gateway id (default: generated)
  --log-level L       fatal|error|warn|info|debug|trace|silent
  -h, --help          this text
`;

export interface CliArgs {
  readonly command: Command;
  readonly help: boolean;
  readonly configInput: Omit<ConfigInput, 'env'>;
}

export function parseCli(argv: readonly string[]): CliArgs {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'metrics-port': { type: 'string' },
      'metrics-host': { type: 'string' },
      apps: { type: 'string' },
      nats: { type: 'string' },
      workers: { type: 'string' },
      'gateway-id': { type: 'string' },
      'log-level': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = (positionals[0] ?? 'embedded') as Command;
  if (!COMMANDS.includes(command)) throw new Error(`unknown command ${JSON.stringify(positionals[0])}\n\n${USAGE}`);
  if (positionals.length > 1) throw new Error(`unexpected argument ${JSON.stringify(positionals[1])}\n\n${USAGE}`);

  const flags: Partial<Record<keyof ServerConfig, FlagValue>> = {};
  const number = (raw: string) => (raw.trim() !== '' && Number.isFinite(Number(raw)) ? Number(raw) : raw);
  if (values.port !== undefined) flags.port = { value: number(values.port), flag: '--port' };
  if (values.host !== undefined) flags.host = { value: values.host, flag: '--host' };
  if (values['metrics-port'] !== undefined) flags.metricsPort = { value: number(values['metrics-port']), flag: '--metrics-port' };
  if (values['metrics-host'] !== undefined) flags.metricsHost = { value: values['metrics-host'], flag: '--metrics-host' };
  if (values.nats !== undefined)
    flags.natsServers = {
      value: values.nats
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
      flag: '--nats',
    };
  if (values.workers !== undefined) flags.gatewayWorkers = { value: number(values.workers), flag: '--workers' };
  if (values['gateway-id'] !== undefined) flags.gatewayId = { value: values['gateway-id'], flag: '--gateway-id' };
  if (values['log-level'] !== undefined) flags.logLevel = { value: values['log-level'], flag: '--log-level' };
  return { command, help: Boolean(values.help), configInput: { flags, appsFile: values.apps } };
}
