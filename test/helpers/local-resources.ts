/**
 * What test helpers start outside the test process: free loopback ports for servers, and the
 * child processes and temp dirs that must not outlive the test run — killed and removed when
 * the process exits, on Ctrl-C and on SIGTERM too.
 */
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Live children and the signal that stops each at once. */
const children = new Map<ChildProcess, NodeJS.Signals>();
const tempDirs = new Set<string>();

/** Kills `child` with `signal` if it is still running when the test process exits. */
export function killOnExit(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): void {
  children.set(child, signal);
}

/** The child has exited (or was stopped by its owner). */
export function forgetChild(child: ChildProcess): void {
  children.delete(child);
}

export function isTracked(child: ChildProcess | undefined): boolean {
  return child !== undefined && children.has(child);
}

export function removeOnExit(dir: string): void {
  tempDirs.add(dir);
}

export function forgetDir(dir: string): void {
  tempDirs.delete(dir);
}

function cleanUpNow(): void {
  for (const [child, signal] of children) child.kill(signal);
  children.clear();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

process.once('exit', cleanUpNow);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    cleanUpNow();
    process.kill(process.pid, signal);
  });
}
