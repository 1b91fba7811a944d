/**
 * Every Pusher protocol error Herald sends, in one place, as values.
 *
 * Codes 4000–4299 close the connection and the close code is the same number, so clients
 * apply Pusher's reconnect rules: 4000–4099 do not reconnect unchanged, 4100–4199 back off
 * first, 4200–4299 reconnect at once. Codes 4300+ and `null` are reported with
 * `pusher:error` and the connection stays open.
 */
export interface PusherErrorSpec {
  readonly code: number | null;
  readonly message: string;
}

export const PusherErrors = {
  sslOnly: { code: 4000, message: 'Application only accepts SSL connections, reconnect using wss://' },
  appNotFound: { code: 4001, message: 'Application does not exist' },
  appDisabled: { code: 4003, message: 'Application disabled' },
  overConnectionQuota: { code: 4004, message: 'Application is over connection quota' },
  pathNotFound: { code: 4005, message: 'Path not found' },
  invalidVersion: { code: 4006, message: 'Invalid version string format' },
  unsupportedProtocol: { code: 4007, message: 'Unsupported protocol version' },
  noProtocolVersion: { code: 4008, message: 'No protocol version supplied' },
  unauthorized: { code: 4009, message: 'Connection is unauthorized' },
  signinTimeout: { code: 4009, message: 'Connection not authorized within timeout' },
  terminated: { code: 4009, message: 'Connection terminated by the application' },
  overCapacity: { code: 4100, message: 'Over capacity' },
  slowConsumer: { code: 4100, message: 'Connection closed: the client is not reading its messages fast enough' },
  frameFlood: { code: 4100, message: 'Connection closed: the client went on sending frames over its rate limit' },
  reconnect: { code: 4200, message: 'Generic reconnect immediately' },
  serverShuttingDown: { code: 4200, message: 'Server is shutting down, reconnect to another node' },
  pongNotReceived: { code: 4201, message: 'Pong reply not received' },
  inactive: { code: 4202, message: 'Closed after inactivity' },
  clientEventRateLimit: { code: 4301, message: 'Client event rejected due to rate limit' },
  frameRateLimit: { code: 4301, message: 'Frame rejected due to rate limit' },
} as const satisfies Record<string, PusherErrorSpec>;

/** Whether an error with this code ends the connection (close code = error code). */
export function closesConnection(code: number | null): code is number {
  return code !== null && code >= 4000 && code < 4300;
}

/**
 * A protocol error raised while handling one client frame. `code: null` is Pusher's way
 * of reporting a problem with a frame (bad JSON, unknown event) without a numbered code.
 */
export class ProtocolError extends Error {
  readonly code: number | null;

  constructor(spec: PusherErrorSpec, detail?: string) {
    super(detail ? `${spec.message}: ${detail}` : spec.message);
    this.name = 'ProtocolError';
    this.code = spec.code;
  }

  static invalidFrame(message: string): ProtocolError {
    return new ProtocolError({ code: null, message });
  }
}

/** The `type` of a `pusher:subscription_error`, as pusher-js reports its own auth failures. */
export type SubscriptionErrorType = 'AuthError' | 'InvalidChannelName' | 'PresenceError' | 'LimitReached';

/**
 * A refused subscription. Unlike a ProtocolError it is not a `pusher:error`: the client gets
 * `pusher:subscription_error` for that channel (`{type, error, status}`) and the socket stays
 * as it was. Thrown where the rule is checked, rendered in one place (the gateway's
 * FrameHandler).
 */
export class SubscriptionRefused extends Error {
  constructor(
    readonly channel: string,
    readonly type: SubscriptionErrorType,
    message: string,
    /** An HTTP status, as an auth endpoint would answer: 400 bad request, 401/403 refused, 5xx unavailable. */
    readonly status: number,
  ) {
    super(message);
    this.name = 'SubscriptionRefused';
  }

  static invalidChannelName(channel: string, problem: string): SubscriptionRefused {
    return new SubscriptionRefused(channel, 'InvalidChannelName', problem, 400);
  }

  static auth(channel: string, message: string, status = 401): SubscriptionRefused {
    return new SubscriptionRefused(channel, 'AuthError', message, status);
  }

  static presence(channel: string, message: string, status: number): SubscriptionRefused {
    return new SubscriptionRefused(channel, 'PresenceError', message, status);
  }

  /** A quota, not a passing condition: retrying does not help until the client unsubscribes. */
  static limitReached(channel: string, message: string): SubscriptionRefused {
    return new SubscriptionRefused(channel, 'LimitReached', message, 403);
  }
}
