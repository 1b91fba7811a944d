/**
 * A throwaway PostgreSQL cluster for tests: `initdb` into a temp dir, `postgres` on a free
 * port on 127.0.0.1 (unix socket in the same temp dir), password authentication over TCP.
 * It can be stopped and started again (same port, same data) to test a database that goes
 * away. Everything is removed in stop(), and killed if the test process exits first.
 *
 * PostgreSQL refuses to run as root. As root (CI, these machines) initdb and postgres run as
 * the `postgres` account that Debian's package creates (or `nobody` when there is none):
 * spawned with its uid/gid, the temp dir handed over to it with chown.
 *
 * Binaries: `initdb` and `postgres` on PATH, else the newest /usr/lib/postgresql/<ver>/bin
 * (Debian), else /usr/pgsql-<ver>/bin. `scripts/ensure-deps.sh postgres` installs them.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, type QueryResult, type QueryResultRow } from 'pg';
import { forgetChild, forgetDir, freePort, isTracked, killOnExit, removeOnExit } from './local-resources';
import { within } from './wait';

const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;
const USER = 'herald_test';
const PASSWORD = 'herald-test-password';

export interface PostgresServer {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** postgres://user:password@127.0.0.1:port/<database> */
  url(database?: string): string;
  /** Creates a database and returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** Runs one statement on a fresh connection (default database: `postgres`). */
  query<R extends QueryResultRow = QueryResultRow>(database: string, sql: string, params?: unknown[]): Promise<QueryResult<R>>;
  /** Whether the server process is running. */
  isRunning(): boolean;
  /** Fast shutdown (sessions are terminated, like a database restart); the data stays. */
  shutdown(): Promise<void>;
  /** Starts it again on the same port with the same data; resolves when it accepts connections. */
  restart(): Promise<void>;
  /** Shuts down and removes the temp dir. */
  stop(): Promise<void>;
  /** The server's log. */
  logs(): string;
}

function hasBoth(dir: string): boolean {
  return existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres'));
}

function versionOrder(a: string, b: string): number {
  return Number.parseFloat(b) - Number.parseFloat(a);
}

/** The directory holding `initdb` and `postgres`. */
function postgresBinDir(): string {
  for (const dir of (process.env.PATH ?? '').split(':')) if (dir && hasBoth(dir)) return dir;
  for (const [root, prefix, suffix] of [
    ['/usr/lib/postgresql', '', 'bin'],
    ['/usr', 'pgsql-', 'bin'],
  ] as const) {
    if (!existsSync(root)) continue;
    const versions = readdirSync(root)
      .filter((name) => name.startsWith(prefix) && /^\d+(\.\d+)?$/.test(name.slice(prefix.length)))
      .sort((a, b) => versionOrder(a.slice(prefix.length), b.slice(prefix.length)));
    for (const version of versions) if (hasBoth(join(root, version, suffix))) return join(root, version, suffix);
  }
  throw new Error(
    'PostgreSQL server binaries (initdb, postgres) not found on PATH or in /usr/lib/postgresql/<version>/bin: run scripts/ensure-deps.sh postgres (Debian: apt-get install postgresql)',
  );
}

interface Account {
  readonly uid: number;
  readonly gid: number;
}

/** Who runs initdb/postgres: this process's user, or an unprivileged account when that is root. */
function serverAccount(): Account | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  for (const name of ['postgres', 'nobody']) {
    try {
      const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
      if (Number.isInteger(uid) && uid > 0 && Number.isInteger(gid)) return { uid, gid };
    } catch {
      // no such account: try the next
    }
  }
  throw new Error('running as root and there is no postgres or nobody account to run PostgreSQL as');
}

let serial = 0;

class ManagedPostgres implements PostgresServer {
  readonly host = '127.0.0.1';
  readonly user = USER;
  readonly password = PASSWORD;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private removed = false;
  private readonly dataDir: string;
  private readonly logFile: string;

  constructor(
    private readonly dir: string,
    private readonly bin: string,
    private readonly account: Account | undefined,
    readonly port: number,
  ) {
    this.dataDir = join(dir, 'data');
    this.logFile = join(dir, 'postgres.log');
  }

  url(database = 'postgres'): string {
    return `postgres://${USER}:${encodeURIComponent(PASSWORD)}@${this.host}:${this.port}/${database}`;
  }

  async createDatabase(name: string): Promise<string> {
    await this.query('postgres', `CREATE DATABASE "${name.replace(/"/g, '""')}"`);
    return this.url(name);
  }

  async query<R extends QueryResultRow = QueryResultRow>(database: string, sql: string, params?: unknown[]): Promise<QueryResult<R>> {
    const client = new Client({ connectionString: this.url(database), connectionTimeoutMillis: 5000 });
    client.on('error', () => undefined);
    await client.connect();
    try {
      return await client.query<R>(sql, params);
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  logs(): string {
    return existsSync(this.logFile) ? readFileSync(this.logFile, 'utf8') : '';
  }

  isRunning(): boolean {
    return isTracked(this.child);
  }

  /** Spawns the postmaster; does not wait for it to be ready. */
  spawn(): void {
    if (this.removed) throw new Error('this PostgreSQL was stopped; start a new one');
    if (this.isRunning()) throw new Error('PostgreSQL is already running');
    const args = ['-D', this.dataDir, '-p', String(this.port), '-h', this.host, '-k', this.dir];
    // A test database needs no durability: faster and gentler on a shared disk.
    args.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=40', '-c', 'shared_buffers=16MB');
    const out = openSync(this.logFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn(join(this.bin, 'postgres'), args, { stdio: ['ignore', out, out], cwd: this.dir, env: childEnv(this.dir), ...this.account });
    } finally {
      closeSync(out);
    }
    child.unref();
    // SIGQUIT: immediate shutdown; the postmaster takes its backends down with it.
    killOnExit(child, 'SIGQUIT');
    this.child = child;
    this.exited = new Promise<void>((resolveExit) => {
      const done = () => {
        forgetChild(child);
        resolveExit();
      };
      child.once('exit', done);
      child.once('error', done);
    });
  }

  /** Waits until a client can sign in (the server says "ready to accept connections" before that is true on a slow machine). */
  async ready(timeoutMs = START_TIMEOUT_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    this.child?.ref();
    try {
      let last = 'no answer yet';
      for (;;) {
        if (!this.isRunning()) throw new Error(`postgres exited during start-up:\n${this.logs()}`);
        try {
          await this.query('postgres', 'SELECT 1');
          return;
        } catch (err) {
          last = (err as Error).message;
        }
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for postgres (${last})\n--- log ---\n${this.logs()}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      this.child?.unref();
    }
  }

  async shutdown(): Promise<void> {
    const child = this.child;
    if (!child || !this.isRunning()) return;
    child.ref();
    try {
      child.kill('SIGINT'); // fast shutdown
      try {
        await within(this.exited, 'postgres to shut down', STOP_TIMEOUT_MS);
      } catch {
        child.kill('SIGQUIT'); // immediate shutdown
        await within(this.exited, 'postgres to stop after SIGQUIT', STOP_TIMEOUT_MS);
      }
    } finally {
      child.unref();
    }
  }

  async restart(): Promise<void> {
    await this.shutdown();
    this.spawn();
    await this.ready();
  }

  async stop(): Promise<void> {
    if (this.removed) return;
    await this.shutdown().catch(() => this.child?.kill('SIGKILL'));
    this.removed = true;
    rmSync(this.dir, { recursive: true, force: true });
    forgetDir(this.dir);
  }
}

function childEnv(dir: string): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, LANG: 'C', LC_ALL: 'C', TZ: 'UTC' };
}

/** initdb into `<dir>/data` with a password-protected superuser. */
function initdb(dir: string, bin: string, account: Account | undefined): void {
  const pwfile = join(dir, 'pwfile');
  writeFileSync(pwfile, `${PASSWORD}\n`, { mode: 0o600 });
  if (account) {
    chownSync(dir, account.uid, account.gid);
    chownSync(pwfile, account.uid, account.gid);
  }
  const args = ['-D', join(dir, 'data'), '-U', USER, `--pwfile=${pwfile}`, '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--locale=C', '--no-sync'];
  try {
    execFileSync(join(bin, 'initdb'), args, { cwd: dir, env: childEnv(dir), stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000, ...account });
  } catch (err) {
    const e = err as { stderr?: Buffer; stdout?: Buffer; message: string };
    throw new Error(`initdb failed: ${e.message}\n${e.stdout?.toString() ?? ''}${e.stderr?.toString() ?? ''}`);
  }
}

/** Starts a fresh cluster on a free port and waits until it accepts password logins. */
export async function startPostgres(): Promise<PostgresServer> {
  const bin = postgresBinDir();
  const account = serverAccount();
  const dir = mkdtempSync(join(tmpdir(), `herald-pg-${process.pid}-${++serial}-`));
  removeOnExit(dir);
  try {
    initdb(dir, bin, account);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    forgetDir(dir);
    throw err;
  }
  // A free port can be taken by someone else before postgres binds it: retry on another.
  for (let attempt = 1; ; attempt++) {
    const server = new ManagedPostgres(dir, bin, account, await freePort());
    try {
      server.spawn();
      await server.ready();
      return server;
    } catch (err) {
      await server.shutdown().catch(() => undefined);
      if (attempt < 3 && /could not bind|already in use/i.test(server.logs())) continue;
      await server.stop();
      throw err;
    }
  }
}
