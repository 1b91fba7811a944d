/**
 * Real `nats-server` processes for tests: one server or a routed cluster, on free ports,
 * listening on 127.0.0.1 only, JetStream in a temp dir, killable and restartable (same ports,
 * same store) to test reconnects. Every wait is bounded; a test process that exits kills
 * whatever it left running.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { forgetChild, forgetDir, freePort, isTracked, killOnExit, removeOnExit } from './local-resources';
import { waitFor, within } from './wait';

const START_TIMEOUT_MS = 15_000;
const CLUSTER_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

export interface NatsServerOptions {
  /** JetStream with a store in the server's temp dir (default true). */
  readonly jetstream?: boolean;
  /** `--server_name`; also names the temp dir and the log. */
  readonly name?: string;
  /** More command-line options, e.g. `['--user', 'u', '--pass', 'p']` for a server that wants credentials. */
  readonly args?: readonly string[];
}

export interface NatsServer {
  /** `nats://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  readonly monitorPort: number;
  /** The pid of the current process (changes on restart). */
  readonly pid: number;
  readonly name: string;
  /** The server's log file (inside its temp dir, so gone after stop()). */
  readonly logFile: string;
  logs(): string;
  /** Sends `signal` (default SIGKILL); resolves once the process has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts the server again on the same ports with the same store; resolves when it is ready. */
  restart(): Promise<void>;
  /** Graceful stop (SIGTERM, SIGKILL if it hangs), then removes the temp dir. */
  stop(): Promise<void>;
  /** GETs a monitoring endpoint, e.g. `/subsz?subs=1`, `/connz?subs=1`, `/routez`. */
  monitor<T>(path: string): Promise<T>;
}

export interface NatsCluster {
  readonly servers: NatsServer[];
  readonly urls: string[];
  stop(): Promise<void>;
}

/** The pinned release `scripts/ensure-deps.sh nats` links into .tools/bin, else one on PATH. */
export function natsServerBinary(): string {
  const pinned = join(__dirname, '..', '..', '..', '.tools', 'bin', 'nats-server');
  if (existsSync(pinned)) return pinned;
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(join(dir, 'nats-server'))) return join(dir, 'nats-server');
  }
  if (existsSync('/usr/sbin/nats-server')) return '/usr/sbin/nats-server';
  throw new Error('nats-server not found on PATH or at /usr/sbin/nats-server (scripts/ensure-deps.sh installs it)');
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolveConnect) => {
    const socket = tcpConnect({ port, host: '127.0.0.1' });
    socket.setTimeout(1000);
    const done = (ok: boolean) => {
      socket.destroy();
      resolveConnect(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

interface Ports {
  readonly client: number;
  readonly monitor: number;
  readonly cluster?: number;
}

interface ClusterSettings {
  readonly clusterName: string;
  /** Route URLs of the other members. */
  readonly routes: string[];
  /** The other members, to know which routes to wait for after a restart. */
  readonly peers: () => ManagedNatsServer[];
}

let serial = 0;

class ManagedNatsServer implements NatsServer {
  readonly url: string;
  readonly logFile: string;
  private readonly stderrFile: string;
  private readonly storeDir: string;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private removed = false;

  constructor(
    readonly name: string,
    private readonly dir: string,
    private readonly ports: Ports,
    private readonly jetstream: boolean,
    private readonly cluster?: ClusterSettings,
    private readonly extraArgs: readonly string[] = [],
  ) {
    this.url = `nats://127.0.0.1:${ports.client}`;
    this.logFile = join(dir, 'nats-server.log');
    this.stderrFile = join(dir, 'stderr.log');
    this.storeDir = join(dir, 'store');
  }

  get port(): number {
    return this.ports.client;
  }

  get monitorPort(): number {
    return this.ports.monitor;
  }

  get clusterPort(): number | undefined {
    return this.ports.cluster;
  }

  get pid(): number {
    return this.child?.pid ?? 0;
  }

  logs(): string {
    const read = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : '');
    return `${read(this.logFile)}${read(this.stderrFile)}`;
  }

  /** Spawns the process; does not wait for it to be ready. */
  spawn(): void {
    if (this.removed) throw new Error(`nats-server ${this.name} was stopped; start a new one`);
    if (this.isRunning()) throw new Error(`nats-server ${this.name} is already running`);
    const args = ['-a', '127.0.0.1', '-p', String(this.ports.client), '-m', String(this.ports.monitor), '--server_name', this.name, '-l', this.logFile];
    if (this.jetstream) args.push('-js', '-sd', this.storeDir);
    args.push(...this.extraArgs);
    if (this.cluster && this.ports.cluster !== undefined) {
      args.push('--cluster', `nats://127.0.0.1:${this.ports.cluster}`, '--cluster_name', this.cluster.clusterName);
      if (this.cluster.routes.length > 0) args.push('--routes', this.cluster.routes.join(','));
    }
    // Output goes to files, not pipes, so a forgotten server does not keep the test process alive.
    const stderr = openSync(this.stderrFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn(natsServerBinary(), args, { stdio: ['ignore', stderr, stderr] });
    } finally {
      closeSync(stderr);
    }
    child.unref();
    killOnExit(child);
    this.child = child;
    this.exited = new Promise<void>((resolveExit) => {
      child.once('exit', () => {
        forgetChild(child);
        resolveExit();
      });
      child.once('error', () => {
        forgetChild(child);
        resolveExit();
      });
    });
  }

  isRunning(): boolean {
    return isTracked(this.child);
  }

  /** Waits until the server is healthy (incl. JetStream) and accepts client connections. */
  async ready(timeoutMs = START_TIMEOUT_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const child = this.child;
    child?.ref();
    try {
      let last = 'no answer yet';
      for (;;) {
        if (!this.isRunning()) throw new Error(`nats-server ${this.name} exited during start-up:\n${this.logs()}`);
        try {
          const health = await this.monitor<{ status?: string; error?: string }>('/healthz');
          last = health.error ?? `healthz ${health.status}`;
          if (health.status === 'ok' && (await canConnect(this.ports.client))) return;
        } catch (err) {
          last = (err as Error).message;
        }
        if (Date.now() > deadline) {
          throw new Error(`timed out after ${timeoutMs} ms waiting for nats-server ${this.name} to be ready (${last})\n--- log ---\n${this.logs()}`);
        }
        await new Promise((r) => setTimeout(r, 25));
      }
    } finally {
      child?.unref();
    }
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child || !this.isRunning()) return;
    child.kill(signal);
    await this.whileReferenced(within(this.exited, `nats-server ${this.name} to exit after ${signal}`, STOP_TIMEOUT_MS));
  }

  async restart(): Promise<void> {
    if (this.isRunning()) await this.kill('SIGKILL');
    this.spawn();
    await this.ready(this.cluster ? CLUSTER_TIMEOUT_MS : START_TIMEOUT_MS);
    if (this.cluster) {
      const expected = this.cluster.peers().filter((peer) => peer.isRunning()).length;
      await this.whileReferenced(waitForRoutes(this, expected));
    }
  }

  async stop(): Promise<void> {
    if (this.removed) return;
    if (this.isRunning()) {
      try {
        await this.kill('SIGTERM');
      } catch {
        await this.kill('SIGKILL');
      }
    }
    this.removed = true;
    rmSync(this.dir, { recursive: true, force: true });
    forgetDir(this.dir);
  }

  async monitor<T>(path: string): Promise<T> {
    const response = await fetch(`http://127.0.0.1:${this.ports.monitor}${path.startsWith('/') ? path : `/${path}`}`, {
      signal: AbortSignal.timeout(5000),
    });
    // /healthz answers 503 with a JSON reason while JetStream is not ready; callers read it.
    if (!response.ok && response.status !== 503) throw new Error(`GET ${path} on ${this.name}: HTTP ${response.status}`);
    return (await response.json()) as T;
  }

  /** Keeps the (unref'd) child referenced while a test awaits it, so the event loop stays alive. */
  private async whileReferenced<T>(promise: Promise<T>): Promise<T> {
    const child = this.child;
    child?.ref();
    try {
      return await promise;
    } finally {
      child?.unref();
    }
  }
}

function newServer(name: string, ports: Ports, jetstream: boolean, cluster?: ClusterSettings, args?: readonly string[]): ManagedNatsServer {
  const dir = mkdtempSync(join(tmpdir(), `herald-nats-${name}-`));
  removeOnExit(dir);
  return new ManagedNatsServer(name, dir, ports, jetstream, cluster, args);
}

/** Starts one nats-server on free ports and waits until it accepts connections. */
export async function startNatsServer(options: NatsServerOptions = {}): Promise<NatsServer> {
  const name = options.name ?? `nats-${process.pid}-${++serial}`;
  // A free port can be taken by someone else before the server binds it: retry on new ports.
  for (let attempt = 1; ; attempt++) {
    const server = newServer(name, { client: await freePort(), monitor: await freePort() }, options.jetstream ?? true, undefined, options.args);
    try {
      server.spawn();
      await server.ready();
      return server;
    } catch (err) {
      await server.kill('SIGKILL').catch(() => undefined);
      const logs = server.logs();
      await server.stop();
      if (attempt < 3 && /address already in use/i.test(logs)) continue;
      throw err;
    }
  }
}

/**
 * Starts `size` servers routed to each other as one cluster (JetStream on each, own store,
 * distinct server names) and waits until every server has a route to every other one and
 * JetStream is healthy.
 */
export async function startNatsCluster(size = 3): Promise<NatsCluster> {
  if (size < 1) throw new Error('a cluster needs at least one server');
  const clusterName = `herald-test-${process.pid}-${++serial}`;
  const ports: Ports[] = [];
  for (let i = 0; i < size; i++) ports.push({ client: await freePort(), monitor: await freePort(), cluster: await freePort() });
  const servers: ManagedNatsServer[] = ports.map((p, i) =>
    newServer(`${clusterName}-n${i + 1}`, p, true, {
      clusterName,
      routes: ports.filter((_, j) => j !== i).map((other) => `nats://127.0.0.1:${other.cluster}`),
      peers: () => servers.filter((_, j) => j !== i),
    }),
  );
  const cluster: NatsCluster = {
    servers,
    urls: servers.map((s) => s.url),
    stop: async () => {
      await Promise.all(servers.map((s) => s.stop()));
    },
  };
  try {
    for (const server of servers) server.spawn();
    // JetStream health needs a meta leader, hence the routes: wait for all at once.
    await Promise.all(servers.map((s) => s.ready(CLUSTER_TIMEOUT_MS)));
    await Promise.all(servers.map((s) => waitForRoutes(s, size - 1)));
    return cluster;
  } catch (err) {
    await cluster.stop();
    throw err;
  }
}

interface Routez {
  num_routes: number;
  routes?: Array<{ remote_id: string }>;
}

/** Waits until `server` has routes to `expected` distinct other servers. */
async function waitForRoutes(server: NatsServer, expected: number, timeoutMs = CLUSTER_TIMEOUT_MS): Promise<void> {
  await waitFor(
    async () => {
      const routez = await server.monitor<Routez>('/routez');
      return new Set((routez.routes ?? []).map((r) => r.remote_id)).size === expected;
    },
    `nats-server ${server.name} to have ${expected} routes`,
    timeoutMs,
    25,
  );
}
