/** NATS authentication is one way at most, and a password needs its user. */
import type { ServerConfig } from './server-schema';

export function natsAuthProblems(server: ServerConfig, sourceOf: Readonly<Record<string, string>>): string[] {
  const name = (field: keyof ServerConfig) => sourceOf[field] ?? field;
  const problems: string[] = [];
  if (server.natsPassword && !server.natsUser) problems.push(`${name('natsPassword')}: a password needs its user (HERALD_NATS_USER)`);
  const ways = [server.natsUser && 'a user and password', server.natsToken && 'a token', server.natsCredsFile && 'a credentials file'].filter(Boolean);
  if (ways.length > 1) problems.push(`NATS authentication: give one way, not ${ways.join(' and ')} (HERALD_NATS_USER/PASSWORD, HERALD_NATS_TOKEN, HERALD_NATS_CREDS_FILE)`);
  const urlUsers = server.natsServers.filter((url) => /^[a-z]+:\/\/[^/@]+@/.test(url));
  if (urlUsers.length > 0 && ways.length > 0) problems.push(`${name('natsServers')}: a URL with user:password@ and ${ways[0]} as well; give one`);
  if (server.natsServers.length === 0 && ways.length > 0) problems.push('NATS authentication is set but no NATS URL (HERALD_NATS_URL)');
  return problems;
}
