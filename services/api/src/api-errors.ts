/**
 * Every error Herald's HTTP API answers, once, as values: its status and its message, sent
 * Pusher's way as `{"error": message}`. A message's `{placeholders}` are filled in where the
 * error is raised. The README lists every kind here (api-errors.test.ts checks it), so a new
 * error is added here and documented there, never built at the call site.
 */

/** `'Batch too large: {count} events'` → `'count'`. */
type Placeholders<T extends string> = T extends `${string}{${infer Name}}${infer Rest}` ? Name | Placeholders<Rest> : never;
type Params<T extends string> = [Placeholders<T>] extends [never] ? [] : [params: Record<Placeholders<T>, string | number>];

/** An error as answered: the kind it is, its message filled in, and headers it brings. */
export class ApiError extends Error {
  constructor(
    readonly kind: ApiErrorKind,
    message: string,
    readonly headers: Readonly<Record<string, string>> = kind.headers,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  get status(): number {
    return this.kind.status;
  }

  /** The same error with more response headers (e.g. when to retry). */
  withHeaders(headers: Readonly<Record<string, string>>): ApiError {
    return new ApiError(this.kind, this.message, { ...this.headers, ...headers });
  }
}

export interface ApiErrorKind<T extends string = string> {
  readonly status: number;
  /** The message, with `{placeholders}`: what the README's table shows. */
  readonly message: T;
  /** Headers every answer of this kind carries. */
  readonly headers: Readonly<Record<string, string>>;
  (...params: Params<T>): ApiError;
}

function kind<const T extends string>(status: number, message: T, headers: Record<string, string> = {}): ApiErrorKind<T> {
  const raise = (...params: Params<T>): ApiError => {
    const values = (params[0] ?? {}) as Record<string, string | number>;
    return new ApiError(
      raise as ApiErrorKind,
      message.replace(/\{(\w+)\}/g, (_, name: string) => String(values[name])),
    );
  };
  return Object.assign(raise, { status, message, headers }) as ApiErrorKind<T>;
}

export const apiErrors = {
  // 400: the request breaks one of Pusher's rules.
  invalidJson: kind(400, 'The request body is not valid JSON'),
  notAnObject: kind(400, 'Expected a JSON object'),
  invalidEventName: kind(400, '{problem}'),
  missingData: kind(400, '"data" is required'),
  dataTooDeep: kind(400, '"data" is nested more than {limit} levels deep'),
  missingChannel: kind(400, '"channel" is required'),
  missingChannels: kind(400, '"channels" or "channel" is required'),
  invalidChannels: kind(400, '"channels" must be a non-empty array of channel names'),
  tooManyChannels: kind(400, 'Too many channels: {count}; the limit is {limit}'),
  invalidChannelName: kind(400, '{problem}'),
  invalidSocketId: kind(400, '"socket_id" must look like "123.456"'),
  invalidInfo: kind(400, '"info" must be a comma-separated string'),
  unknownInfoAttribute: kind(400, 'Unknown info attribute {attribute}; available: {available}'),
  userCountNeedsPresencePrefix: kind(400, 'user_count is only available for presence channels: add filter_by_prefix=presence-'),
  userCountNeedsPresenceChannel: kind(400, 'user_count is only available for presence channels, not {channel}'),
  usersNeedPresenceChannel: kind(400, 'Users can only be listed for presence channels, not {channel}'),
  batchNotAnArray: kind(400, '"batch" must be an array of events'),
  batchEmpty: kind(400, '"batch" must not be empty'),
  batchTooLarge: kind(400, 'Batch too large: {count} events; the limit is {limit}'),
  invalidUserId: kind(400, 'user id must be 1 to {limit} characters'),
  malformedRequest: kind(400, '{problem}'),
  requestTimeout: kind(408, 'The request did not arrive in time'),
  pathSegmentTooLong: kind(414, 'A segment of the path is too long'),
  headersTooLarge: kind(431, 'Request headers too large'),
  // 401, 403, 404: who is asking.
  unauthenticated: kind(401, '{reason}'),
  appDisabled: kind(403, 'Application disabled'),
  unknownApp: kind(404, 'Unknown app "{appId}"'),
  unknownRoute: kind(404, 'Not found: {method} {path}'),
  // 413, 429: how much.
  bodyTooLarge: kind(413, 'Request body too large'),
  eventTooLarge: kind(413, 'Event data is {size} bytes; the limit is {limit} bytes'),
  // 415: the body is not said to be JSON.
  unsupportedMediaType: kind(415, 'Content-Type must be application/json'),
  tooManyRequests: kind(429, 'Too many requests for this app: the limit is {limit} per second, retry in {retryIn}'),
  // 5xx: Herald could not do it; the request may be retried.
  internal: kind(500, 'Internal server error'),
  presenceFailed: kind(500, '{reason}'),
  busUnavailable: kind(503, 'Event not published: the message bus is unavailable'),
  publishUnconfirmed: kind(503, 'Event not confirmed by the message bus: {reason}'),
  cacheStoreUnavailable: kind(503, 'Event not published: the cache channel store is unavailable ({reason})'),
  terminateBusUnavailable: kind(503, 'Not published: the message bus is unavailable'),
  terminateUnconfirmed: kind(503, 'Not confirmed by the message bus: {reason}'),
  channelInfoDisconnected: kind(503, 'Channel information is unavailable: not connected to the bus'),
  channelInfoUnavailable: kind(503, 'Channel information is unavailable: {reason}'),
  deadLettersUnavailable: kind(503, 'Dead letters unavailable: {reason}'),
  // Connection: close, so a keep-alive client reconnects, to another instance behind a balancer.
  serverClosing: kind(503, 'Server is shutting down', { connection: 'close' }),
} as const;
