/**
 * Runs Herald service processes (`herald gateway|presence|api|webhooks|all …`) from the compiled
 * build, as a cluster test needs them: real processes on free ports that can be killed.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { forgetChild, freePort, killOnExit } from './local-resources';
import { waitFor } from './wait';

const MAIN = resolve(__dirname, '../../services/herald/src/main.js');

export interface HeraldProcess {
  readonly name: string;
  readonly port: number;
  readonly pid: number;
  readonly logFile: string;
  /** Resolves with the exit code (null when killed by a signal) once the process exits. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  logs(): string;
  /** Waits until /readyz answers 200. */
  ready(timeoutMs?: number): Promise<void>;
}

export interface StartOptions {
  /** `embedded` runs on the in-process bus: pass no NATS servers. */
  readonly command: 'embedded' | 'gateway' | 'presence' | 'api' | 'webhooks' | 'all';
  readonly nats: readonly string[];
  readonly appsFile: string;
  readonly name?: string;
  readonly port?: number;
  readonly env?: Record<string, string>;
  readonly args?: readonly string[];
  /** Wait for /readyz (default true). */
  readonly waitReady?: boolean;
}

const logDir = mkdtempSync(join(tmpdir(), 'herald-test-logs-'));

/** A child process whose output goes to a log file, that the test run never leaves behind. */
export interface LoggedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Resolves with the exit code (null when killed by a signal) once the process exits. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends `signal` (default SIGKILL) unless it has exited; resolves once it has. */
  kill(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  hasExited(): boolean;
  logs(): string;
}

/** Spawns `argv` with exactly `env` (nothing inherited), output to `<name>.log` in the test log dir. */
export function spawnLogged(name: string, argv: readonly string[], env: Record<string, string>, cwd?: string): LoggedProcess {
  const logFile = join(logDir, `${name}.log`);
  const log = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(argv[0], argv.slice(1), { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  killOnExit(child);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) => {
    child.once('exit', (code, signal) => {
      forgetChild(child);
      resolveExit({ code, signal });
    });
    child.once('error', (err) => {
      log.write(`spawn ${argv[0]}: ${err.message}\n`);
      forgetChild(child);
      resolveExit({ code: -1, signal: null });
    });
  });
  const hasExited = () => child.exitCode !== null || child.signalCode !== null || child.pid === undefined;
  return {
    name,
    pid: child.pid ?? 0,
    logFile,
    exited,
    hasExited,
    kill: (signal = 'SIGKILL') => {
      if (!hasExited()) child.kill(signal);
      return exited;
    },
    logs: () => readFileSync(logFile, 'utf8'),
  };
}

export async function startHeraldProcess(options: StartOptions): Promise<HeraldProcess> {
  const port = options.port ?? (await freePort());
  const name = options.name ?? `${options.command}-${port}`;
  const child = spawnLogged(
    name,
    [
      process.execPath,
      '--enable-source-maps',
      MAIN,
      options.command,
      ...(options.nats.length > 0 ? ['--nats', options.nats.join(',')] : []),
      '--port',
      String(port),
      '--apps',
      options.appsFile,
      ...(options.args ?? []),
    ],
    {
      PATH: process.env.PATH ?? '',
      HERALD_HOST: '127.0.0.1',
      HERALD_LOG_LEVEL: 'info',
      HERALD_GATEWAY_WORKERS: '1',
      ...options.env,
    },
  );
  const handle: HeraldProcess = {
    name,
    port,
    pid: child.pid,
    logFile: child.logFile,
    exited: child.exited,
    kill: child.kill,
    logs: child.logs,
    ready: async (timeoutMs = 15_000) => {
      await waitFor(
        async () => {
          if (child.hasExited()) throw new Error(`${name} exited (${JSON.stringify(await child.exited)}):\n${handle.logs()}`);
          const response = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
          return response?.status === 200;
        },
        `${name} to be ready`,
        timeoutMs,
        50,
      );
    },
  };
  if (options.waitReady !== false) await handle.ready();
  return handle;
}
