/**
 * Raw Pusher HTTP API requests, signed with Herald's own signing code, for tests that must
 * send what no SDK would: a wrong secret, an old timestamp, a bad body_md5, a broken body.
 */

import { signApiRequest } from '../../services/core/src/signing/api-request';
import { md5Hex } from '../../services/core/src/signing/hmac';
import type { AppCredentials, Endpoint } from './pusher-clients';

export interface SignedRequestOptions {
  readonly method?: 'GET' | 'POST';
  /** e.g. `/apps/1000/events` */
  readonly path: string;
  /** Sent exactly as given (objects are JSON-encoded). */
  readonly body?: string | object;
  /** Extra query parameters, signed with the rest. */
  readonly params?: Record<string, string>;
  /** Signs with this secret instead of the app's. */
  readonly secret?: string;
  /** auth_timestamp in seconds (default: now). */
  readonly timestamp?: number;
  /** Replaces or removes (undefined) auth parameters after signing, e.g. `{ body_md5: '0' }`. */
  readonly override?: Record<string, string | undefined>;
  /** Extra request headers (a caller's `traceparent`). */
  readonly headers?: Record<string, string>;
}

export interface ApiResponse {
  readonly status: number;
  readonly contentType: string;
  readonly headers: Headers;
  readonly text: string;
  /** The parsed body, or undefined when it is not JSON. */
  readonly json: unknown;
}

export function signedUrl(endpoint: Endpoint, app: AppCredentials, options: SignedRequestOptions): string {
  const method = options.method ?? (options.body === undefined ? 'GET' : 'POST');
  const body = typeof options.body === 'object' ? JSON.stringify(options.body) : options.body;
  const params: Record<string, string | undefined> = {
    auth_key: app.key,
    auth_timestamp: String(options.timestamp ?? Math.floor(Date.now() / 1000)),
    auth_version: '1.0',
    ...(body ? { body_md5: md5Hex(body) } : {}),
    ...options.params,
  };
  params.auth_signature = signApiRequest(options.secret ?? app.secret, method, options.path, params);
  for (const [key, value] of Object.entries(options.override ?? {})) params[key] = value;
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined) query.set(key, value);
  return `http://${endpoint.host ?? '127.0.0.1'}:${endpoint.port}${options.path}?${query}`;
}

export async function signedRequest(endpoint: Endpoint, app: AppCredentials, options: SignedRequestOptions): Promise<ApiResponse> {
  const method = options.method ?? (options.body === undefined ? 'GET' : 'POST');
  const body = typeof options.body === 'object' ? JSON.stringify(options.body) : options.body;
  const response = await fetch(signedUrl(endpoint, app, options), {
    method,
    body,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers },
    signal: AbortSignal.timeout(5000),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', headers: response.headers, text, json };
}
