/**
 * Pusher HTTP API request signatures: HMAC-SHA256 over
 * `METHOD\nPATH\n<query params except auth_signature, keys lower-cased, sorted, not URL-escaped>`.
 */
import { hmacSha256Hex, md5Hex, safeEqual } from './hmac';

export type QueryParams = Readonly<Record<string, string | string[] | undefined>>;

export function apiStringToSign(method: string, path: string, params: QueryParams): string {
  const pairs: Array<[string, string]> = [];
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || key === 'auth_signature') continue;
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) pairs.push([key.toLowerCase(), v]);
  }
  pairs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const query = pairs.map(([k, v]) => `${k}=${v}`).join('&');
  return `${method.toUpperCase()}\n${path}\n${query}`;
}

export function signApiRequest(secret: string, method: string, path: string, params: QueryParams): string {
  return hmacSha256Hex(secret, apiStringToSign(method, path, params));
}

export interface ApiAuthFailure {
  readonly status: 401;
  readonly reason: string;
}

export interface ApiAuthInput {
  readonly method: string;
  readonly path: string;
  readonly params: QueryParams;
  readonly rawBody: string;
  readonly key: string;
  readonly secret: string;
  readonly nowSeconds: number;
  readonly maxSkewSeconds: number;
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Checks an API request's authentication; null when it is valid, else why not. */
export function apiAuthProblem(input: ApiAuthInput): ApiAuthFailure | null {
  const { params } = input;
  const authKey = single(params.auth_key);
  const timestamp = single(params.auth_timestamp);
  const version = single(params.auth_version);
  const signature = single(params.auth_signature);
  if (!authKey || !timestamp || !signature) {
    return { status: 401, reason: 'Missing authentication parameters: auth_key, auth_timestamp and auth_signature are required' };
  }
  if (version !== undefined && version !== '1.0') return { status: 401, reason: `Unsupported auth_version ${version}` };
  if (!safeEqual(authKey, input.key)) return { status: 401, reason: 'Unknown auth_key' };
  const ts = Number(timestamp);
  if (!Number.isFinite(ts) || Math.abs(input.nowSeconds - ts) > input.maxSkewSeconds) {
    return {
      status: 401,
      reason: `Timestamp expired: auth_timestamp ${timestamp} is more than ${input.maxSkewSeconds} s from the server time ${input.nowSeconds}`,
    };
  }
  if (input.rawBody.length > 0) {
    const bodyMd5 = single(params.body_md5);
    if (!bodyMd5) return { status: 401, reason: 'body_md5 is required for a request with a body' };
    if (!safeEqual(bodyMd5, md5Hex(input.rawBody))) return { status: 401, reason: 'body_md5 does not match the body' };
  }
  const expected = signApiRequest(input.secret, input.method, input.path, params);
  if (!safeEqual(signature, expected)) {
    return {
      status: 401,
      reason: `Invalid signature: expected HMAC SHA256 hex digest of ${JSON.stringify(apiStringToSign(input.method, input.path, params))}`,
    };
  }
  return null;
}
