/**
 * The nats.js connection options for Herald's NATS authentication settings, and the server
 * URLs without credentials (nats.js does not read a URL's user:password@ itself, so Herald
 * takes them out and passes them as options; logs then never show a password).
 */
import { readFileSync } from 'node:fs';
import { type ConnectionOptions, credsAuthenticator } from 'nats';

export interface NatsAuth {
  readonly user?: string;
  readonly password?: string;
  readonly token?: string;
  readonly credsFile?: string;
}

export interface NatsConnectionAuth {
  readonly servers: string[];
  readonly options: Pick<ConnectionOptions, 'user' | 'pass' | 'token' | 'authenticator'>;
}

const URL_CREDENTIALS = /^([a-z]+:\/\/)([^/@]+)@/i;

export function natsConnectionAuth(servers: readonly string[], auth: NatsAuth): NatsConnectionAuth {
  let fromUrl: { user: string; pass: string } | undefined;
  const clean = servers.map((url) => {
    const match = URL_CREDENTIALS.exec(url);
    if (!match) return url;
    const [user, pass = ''] = match[2].split(':');
    fromUrl ??= { user: decodeURIComponent(user), pass: decodeURIComponent(pass) };
    return match[1] + url.slice(match[0].length);
  });
  if (auth.credsFile) {
    // Read once at start: a rotated file takes a restart, like the apps file's secrets.
    return { servers: clean, options: { authenticator: credsAuthenticator(readFileSync(auth.credsFile)) } };
  }
  if (auth.token) return { servers: clean, options: { token: auth.token } };
  if (auth.user) return { servers: clean, options: { user: auth.user, pass: auth.password } };
  if (fromUrl) return { servers: clean, options: fromUrl.pass ? { user: fromUrl.user, pass: fromUrl.pass } : { token: fromUrl.user } };
  return { servers: clean, options: {} };
}
