/**
 * The Node server under fastify: plain HTTP, or HTTPS (and so wss://) when a certificate is
 * configured, with the timeouts that close slow clients. Node closes a connection whose
 * headers (headersTimeout) or whole request (requestTimeout) have not arrived in time with
 * 408, which is what stops a slowloris client holding connections open with a trickle of
 * bytes; TLS handshakes get the headers timeout too. An upgraded WebSocket is no longer an
 * HTTP request and these timeouts no longer apply to it.
 */
import { createServer as createHttp, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { Clock } from '../../core/src/clock';
import type { ServerConfig } from '../../core/src/config/server-schema';
import type { Logger } from '../../core/src/logging/logger';
import { CertificateReloader, readTlsFiles, type TlsFiles } from './tls-certificate';

export type HttpListenerConfig = Pick<
  ServerConfig,
  'httpHeadersTimeoutMs' | 'httpRequestTimeoutMs' | 'httpKeepAliveTimeoutMs' | 'tlsCertFile' | 'tlsKeyFile' | 'tlsCaFile' | 'tlsKeyPassphrase' | 'tlsReloadIntervalMs'
>;

export interface NodeHttpListener {
  readonly server: Server;
  /** Stops watching the certificate files. */
  close(): void;
}

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

export function createNodeHttpListener(config: HttpListenerConfig, handler: Handler, clock: Clock, logger: Logger): NodeHttpListener {
  const timeouts = {
    headersTimeout: config.httpHeadersTimeoutMs,
    requestTimeout: config.httpRequestTimeoutMs,
    // Node looks for overdue requests this often (30 s by default, which would let a slow client
    // hold a connection that much past its timeout).
    connectionsCheckingInterval: Math.min(30_000, Math.max(100, Math.floor(Math.min(config.httpHeadersTimeoutMs, config.httpRequestTimeoutMs) / 4))),
  };
  const files = tlsFiles(config);
  if (!files) {
    const server = createHttp(timeouts, handler);
    server.keepAliveTimeout = config.httpKeepAliveTimeoutMs;
    return { server, close: () => {} };
  }
  let initial: ReturnType<typeof readTlsFiles>;
  let server: ReturnType<typeof createHttps>;
  try {
    initial = readTlsFiles(files);
    server = createHttps({ ...initial, ...timeouts, handshakeTimeout: config.httpHeadersTimeoutMs }, handler);
  } catch (err) {
    throw new Error(`TLS: cannot serve with HERALD_TLS_CERT_FILE ${files.certFile} and HERALD_TLS_KEY_FILE ${files.keyFile}: ${(err as Error).message}`);
  }
  server.keepAliveTimeout = config.httpKeepAliveTimeoutMs;
  const reloader = new CertificateReloader({ server, files, initial, intervalMs: config.tlsReloadIntervalMs, clock, logger });
  reloader.start();
  // An https.Server is an http.Server to fastify and @fastify/websocket (same events and methods).
  return { server: server as unknown as Server, close: () => reloader.stop() };
}

function tlsFiles(config: HttpListenerConfig): TlsFiles | undefined {
  if (!config.tlsCertFile || !config.tlsKeyFile) return undefined;
  return {
    certFile: config.tlsCertFile,
    keyFile: config.tlsKeyFile,
    ...(config.tlsCaFile ? { caFile: config.tlsCaFile } : {}),
    ...(config.tlsKeyPassphrase !== undefined ? { passphrase: config.tlsKeyPassphrase } : {}),
  };
}
