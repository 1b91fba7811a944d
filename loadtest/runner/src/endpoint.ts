/** Where the runner connects: the WebSocket target, the HTTP API and the app's credentials. */

export interface AppCredentials {
  readonly appId: string;
  readonly key: string;
  readonly secret: string;
}

export interface SocketEndpoint {
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  /** `/app/<key>?protocol=7…`, the path pusher-js connects to. */
  readonly path: string;
}

/** Accepts `host:port`, `ws://host:port` or `wss://host:port`. */
export function parseTarget(target: string, key: string): SocketEndpoint {
  const withScheme = /^wss?:\/\//.test(target) ? target : `ws://${target}`;
  const url = new URL(withScheme);
  const tls = url.protocol === 'wss:';
  const port = url.port ? Number(url.port) : tls ? 443 : 80;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return { host, port, tls, path: `/app/${encodeURIComponent(key)}?protocol=7&client=herald-loadtest&version=1.0&flash=false` };
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || /^127\./.test(host);
}

/**
 * Source addresses to spread connections over. One address has one ephemeral port range
 * (~28k ports on Linux), so loopback runs past that use 127.0.0.2, 127.0.0.3, … — all of
 * 127/8 reaches the loopback interface without configuration. `auto` picks enough of them
 * (at least two, so the spreading itself is always exercised) for loopback targets and
 * none (the OS's choice) for remote ones.
 */
export function sourceAddresses(option: string, host: string, connections: number): string[] {
  if (option === 'none' || option === '') return [];
  if (option !== 'auto')
    return option
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  if (!isLoopback(host)) return [];
  const count = Math.max(2, Math.ceil(connections / 20_000));
  return Array.from({ length: count }, (_, i) => `127.0.0.${i + 2}`);
}
