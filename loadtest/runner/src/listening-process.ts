/**
 * Which local processes listen on a TCP port: the socket's inode from /proc/net/tcp{,6}
 * (state 0A = LISTEN), then the processes holding `socket:[inode]` among their open files.
 * Lets the runner report a local server's RSS without --server-pid. Linux only; elsewhere,
 * or without permission to read other processes' fds: an empty list.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

const TCP_LISTEN = '0A';

function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    // "sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode …"
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10 || fields[3] !== TCP_LISTEN) continue;
      const localPort = parseInt(fields[1].slice(fields[1].lastIndexOf(':') + 1), 16);
      if (localPort === port && fields[9] !== '0') inodes.add(fields[9]);
    }
  }
  return inodes;
}

/** Pids holding a socket listening on `port` (a node:cluster primary and its workers may all hold it). */
export function pidsListeningOn(port: number): number[] {
  const inodes = listeningInodes(port);
  if (inodes.size === 0) return [];
  const wanted = new Set([...inodes].map((inode) => `socket:[${inode}]`));
  const pids: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (wanted.has(readlinkSync(`/proc/${entry}/fd/${fd}`))) {
          pids.push(Number(entry));
          break;
        }
      } catch {
        // The fd closed while we looked.
      }
    }
  }
  return pids;
}
