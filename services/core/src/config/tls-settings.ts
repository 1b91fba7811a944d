/** The TLS settings belong together: a certificate needs its key, and the rest need both. */
import type { ServerConfig } from './server-schema';

export function tlsProblems(server: ServerConfig, sourceOf: Readonly<Record<string, string>>): string[] {
  const name = (field: keyof ServerConfig) => sourceOf[field] ?? field;
  const problems: string[] = [];
  if (server.tlsCertFile && !server.tlsKeyFile) problems.push(`${name('tlsCertFile')}: a certificate needs its private key (HERALD_TLS_KEY_FILE)`);
  if (server.tlsKeyFile && !server.tlsCertFile) problems.push(`${name('tlsKeyFile')}: a private key needs its certificate (HERALD_TLS_CERT_FILE)`);
  if (!server.tlsCertFile && !server.tlsKeyFile) {
    for (const field of ['tlsCaFile', 'tlsKeyPassphrase'] as const) {
      if (server[field] !== undefined) problems.push(`${name(field)}: only used with a certificate and key (HERALD_TLS_CERT_FILE, HERALD_TLS_KEY_FILE)`);
    }
  }
  return problems;
}
