/**
 * A running SDK driver (test/sdks/README.md): a child process in another language that takes
 * one JSON request per line and answers one JSON line each, plus, for client drivers, event
 * lines as they happen. Every wait is bounded; a failure names the SDK, its version, the call
 * and what the driver (so Herald, through the SDK) answered.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { forgetChild, killOnExit } from '../helpers/local-resources';
import { within } from '../helpers/wait';

/** The repository root (this file runs from dist/test/sdks). */
const REPO = join(__dirname, '..', '..', '..');

const HELLO_TIMEOUT_MS = 30_000;
const CALL_TIMEOUT_MS = 15_000;

export interface DriverSpec {
  /** e.g. `python`, shown in every line. */
  readonly language: string;
  /** argv; the first element is checked to exist (relative to the repo root unless absolute). */
  readonly command: readonly string[];
  /** What installs it, for the message when it is missing. */
  readonly installedBy: string;
}

export interface Hello {
  readonly language: string;
  readonly sdk: string;
  readonly version: string;
}

export interface Reply {
  readonly id: number;
  readonly ok: boolean;
  readonly result?: unknown;
  readonly error?: string;
  readonly status?: number;
  readonly body?: string;
  readonly unsupported?: boolean;
}

export type DriverEvent = { readonly event: string } & Record<string, unknown>;

/** A call the SDK does not offer: reported as such, never emulated. */
export class UnsupportedBySdk extends Error {}

export class DriverProcess {
  private nextId = 1;
  private readonly pending = new Map<number, (reply: Reply) => void>();
  private readonly eventWaiters = new Set<{ match: (e: DriverEvent) => boolean; resolve: (e: DriverEvent) => void }>();
  readonly events: DriverEvent[] = [];
  private stderr = '';
  private exited: string | undefined;

  private constructor(
    private readonly child: ChildProcess,
    readonly hello: Hello,
  ) {}

  /** `language sdk version`, e.g. `python pusher 3.3.4`. */
  get label(): string {
    return `${this.hello.language} ${this.hello.sdk} ${this.hello.version}`;
  }

  static async start(spec: DriverSpec, env: Record<string, string>): Promise<DriverProcess> {
    const [program, ...args] = spec.command;
    const path = program.startsWith('/') || !program.includes('/') ? program : join(REPO, program);
    if (program.includes('/') && !existsSync(path)) {
      throw new Error(`the ${spec.language} SDK driver is not installed (${path} is missing): run ${spec.installedBy}`);
    }
    const child = spawn(
      path,
      args.map((a) => (a.includes('/') && !a.startsWith('/') ? join(REPO, a) : a)),
      {
        cwd: REPO,
        env: { ...process.env, ...env },
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    killOnExit(child);
    let driver: DriverProcess | undefined;
    let resolveHello: (hello: Hello) => void = () => {};
    const hello = new Promise<Hello>((resolve) => (resolveHello = resolve));
    const early: string[] = [];
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      if (driver) driver.stderr += chunk;
      else early.push(chunk);
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let message: Record<string, unknown>;
      try {
        message = JSON.parse(line) as Record<string, unknown>;
      } catch {
        const text = `${spec.language} driver wrote a line that is not JSON: ${line}`;
        if (driver) driver.fail(text);
        else early.push(text);
        return;
      }
      if (message.hello === true) resolveHello(message as unknown as Hello);
      else driver?.receive(message);
    });
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code, signal) => {
        const why = `the ${spec.language} driver exited (code ${code}, signal ${signal})`;
        if (driver) driver.fail(why);
        reject(new Error(`${why} before its hello; stderr:\n${early.join('')}`));
      }),
    );
    exited.catch(() => {});
    const greeting = await within(Promise.race([hello, exited]), `the ${spec.language} driver's hello`, HELLO_TIMEOUT_MS);
    driver = new DriverProcess(child, greeting);
    driver.stderr = early.join('');
    return driver;
  }

  /** Sends one request; resolves with the driver's reply, whatever it says. */
  request(op: string, args: Record<string, unknown> = {}): Promise<Reply> {
    if (this.exited) return Promise.reject(new Error(`${this.label}: ${op} not sent: ${this.exited}\n${this.stderr}`));
    const id = this.nextId++;
    const reply = new Promise<Reply>((resolve) => this.pending.set(id, resolve));
    this.child.stdin!.write(`${JSON.stringify({ id, op, args })}\n`);
    return within(reply, `${this.label} to answer ${op}(${brief(args)})`, CALL_TIMEOUT_MS).finally(() => this.pending.delete(id));
  }

  /**
   * Calls `op` and returns its result; throws with the SDK, its version, the call and Herald's
   * answer when it failed, or UnsupportedBySdk when the SDK has no such call.
   */
  async call<T = unknown>(op: string, args: Record<string, unknown> = {}): Promise<T> {
    const reply = await this.request(op, args);
    if (reply.unsupported) throw new UnsupportedBySdk(`${this.label} has no ${op}: ${reply.error ?? ''}`);
    if (!reply.ok) throw new Error(`${this.label}: ${op}(${brief(args)}) failed: ${describeFailure(reply)}${this.stderrTail()}`);
    return reply.result as T;
  }

  /** Resolves with the first event (already seen or to come) that `match` accepts. */
  nextEvent(match: (e: DriverEvent) => boolean, what: string, timeoutMs = 10_000, since = 0): Promise<DriverEvent> {
    const seen = this.events.slice(since).find(match);
    if (seen) return Promise.resolve(seen);
    let waiter: { match: (e: DriverEvent) => boolean; resolve: (e: DriverEvent) => void } | undefined;
    const next = new Promise<DriverEvent>((resolve) => {
      waiter = { match, resolve };
      this.eventWaiters.add(waiter);
    });
    return within(next, `${this.label}: ${what}`, timeoutMs).finally(() => waiter && this.eventWaiters.delete(waiter));
  }

  /** Asks the driver to quit, then makes sure it is gone. */
  async stop(): Promise<void> {
    if (!this.exited) {
      await this.request('quit').catch(() => undefined);
      await within(new Promise<void>((resolve) => (this.exited ? resolve() : this.child.once('exit', () => resolve()))), `${this.label} to exit`, 5_000).catch(() =>
        this.child.kill('SIGKILL'),
      );
    }
    forgetChild(this.child);
  }

  private receive(message: Record<string, unknown>): void {
    if (typeof message.id === 'number') {
      this.pending.get(message.id)?.(message as unknown as Reply);
      return;
    }
    if (typeof message.event === 'string') {
      const event = message as DriverEvent;
      this.events.push(event);
      for (const waiter of this.eventWaiters) if (waiter.match(event)) waiter.resolve(event);
      return;
    }
    this.fail(`${this.label} wrote a JSON line that is neither a reply nor an event: ${JSON.stringify(message)}`);
  }

  private fail(why: string): void {
    this.exited ??= why;
    for (const [id, resolve] of this.pending) resolve({ id, ok: false, error: why });
  }

  private stderrTail(): string {
    const tail = this.stderr.trim().split('\n').slice(-15).join('\n');
    return tail ? `\n${this.hello.language} driver stderr (last lines):\n${tail}` : '';
  }
}

function describeFailure(reply: Reply): string {
  const answer = reply.status === undefined ? '' : ` — Herald answered ${reply.status}${reply.body ? ` ${reply.body}` : ''}`;
  return `${reply.error ?? 'no error message'}${answer}`;
}

/** Arguments short enough for a line. */
function brief(args: Record<string, unknown>): string {
  const text = JSON.stringify(args);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
