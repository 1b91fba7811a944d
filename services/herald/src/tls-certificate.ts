/**
 * The certificate and key Herald serves TLS with, read from files and read again every
 * `tlsReloadIntervalMs`: a renewed certificate (cert-manager, certbot, a Kubernetes Secret
 * whose mount is swapped) reaches new connections without a restart. Open connections keep
 * the certificate they were made with. A change that does not load — a key not yet written
 * beside its new certificate, a file half-written — is logged and the last good certificate
 * stays in use; the next change is tried again.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { SecureContextOptions, Server as TlsServer } from 'node:tls';
import type { Clock, ClockTimer } from '../../core/src/clock';
import type { Logger } from '../../core/src/logging/logger';

export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile?: string;
  readonly passphrase?: string;
}

/** The files' contents as Node's TLS options. Throws (naming the file) if one cannot be read. */
export function readTlsFiles(files: TlsFiles): SecureContextOptions {
  const read = (path: string, setting: string) => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new Error(`${setting} ${path}: ${(err as Error).message}`);
    }
  };
  return {
    cert: read(files.certFile, 'HERALD_TLS_CERT_FILE'),
    key: read(files.keyFile, 'HERALD_TLS_KEY_FILE'),
    ...(files.caFile ? { ca: read(files.caFile, 'HERALD_TLS_CA_FILE') } : {}),
    ...(files.passphrase !== undefined ? { passphrase: files.passphrase } : {}),
  };
}

function fingerprint(options: SecureContextOptions): string {
  const hash = createHash('sha256');
  for (const part of [options.cert, options.key, options.ca]) hash.update(part ? (part as Buffer) : '').update('\0');
  return hash.digest('hex');
}

export interface CertificateReloaderOptions {
  readonly server: TlsServer;
  readonly files: TlsFiles;
  /** What the server was created with. */
  readonly initial: SecureContextOptions;
  readonly intervalMs: number;
  readonly clock: Clock;
  readonly logger: Logger;
}

export class CertificateReloader {
  /** The contents last looked at, loaded or not: a bad change is reported once, not every interval. */
  private seen: string;
  private timer: ClockTimer | undefined;

  constructor(private readonly options: CertificateReloaderOptions) {
    this.seen = fingerprint(options.initial);
  }

  start(): void {
    this.timer = this.options.clock.setInterval(() => this.check(), this.options.intervalMs).unref();
  }

  stop(): void {
    this.options.clock.clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Reads the files; if they changed, serves them to new connections. */
  check(): void {
    const { server, files, logger } = this.options;
    let next: SecureContextOptions;
    try {
      next = readTlsFiles(files);
    } catch (err) {
      const problem = `unreadable: ${(err as Error).message}`;
      if (problem !== this.seen) logger.warn({ err }, 'TLS certificate files unreadable; still serving the last certificate loaded');
      this.seen = problem;
      return;
    }
    const print = fingerprint(next);
    if (print === this.seen) return;
    this.seen = print;
    try {
      server.setSecureContext(next);
      logger.info({ certFile: files.certFile }, 'TLS certificate reloaded');
    } catch (err) {
      logger.warn({ err, certFile: files.certFile, keyFile: files.keyFile }, 'TLS certificate files changed but do not load; still serving the last certificate loaded');
    }
  }
}
