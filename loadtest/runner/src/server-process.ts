/**
 * The server's resident memory (VmRSS from /proc/<pid>/status) and CPU time (utime + stime
 * from /proc/<pid>/stat), for each given pid and all of its descendants (a gateway's
 * node:cluster workers count as part of the gateway). Linux only; elsewhere: null.
 */
import { readdirSync, readFileSync } from 'node:fs';

function rssBytes(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

function childrenOf(pid: number): number[] {
  const children: number[] = [];
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const list = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      if (list) for (const child of list.split(/\s+/)) children.push(Number(child));
    }
  } catch {
    // The process is gone or /proc is not Linux's: no children to count.
  }
  return children;
}

function withDescendants(pids: readonly number[]): number[] {
  const seen = new Set<number>();
  const queue = [...pids];
  while (queue.length > 0) {
    const pid = queue.pop()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    queue.push(...childrenOf(pid));
  }
  return [...seen];
}

/** Summed VmRSS in bytes, or null when no pid was given (or none is readable). */
export function serverRss(pids: readonly number[]): number | null {
  if (pids.length === 0) return null;
  let total = 0;
  for (const pid of withDescendants(pids)) total += rssBytes(pid);
  return total > 0 ? total : null;
}

/** Linux's USER_HZ, the unit of utime/stime in /proc/<pid>/stat; 100 on every common build. */
const CLOCK_TICKS_PER_SECOND = 100;

function cpuTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

/** CPU seconds the server processes have used so far, or null when no pid was given. */
export function serverCpuSeconds(pids: readonly number[]): number | null {
  if (pids.length === 0) return null;
  let ticks = 0;
  for (const pid of withDescendants(pids)) ticks += cpuTicks(pid);
  return ticks / CLOCK_TICKS_PER_SECOND;
}
