/**
 * The official Pusher SDKs pointed at a Herald under test: `pusher-js` (its Node build) as
 * the client, `pusher` as the server SDK that triggers events and signs authorisations.
 */
import Pusher from 'pusher';
import type { Channel, Options, PresenceChannel } from 'pusher-js';
import PusherJs from 'pusher-js';
import { within } from './wait';

export interface Endpoint {
  readonly port: number;
  readonly host?: string;
}

export interface AppCredentials {
  readonly id: string;
  readonly key: string;
  readonly secret: string;
}

/** `extra` adds SDK options, e.g. `encryptionMasterKeyBase64` for private-encrypted- channels. */
export function serverSdk(endpoint: Endpoint, app: AppCredentials, extra: Partial<Pusher.Options> = {}): Pusher {
  return new Pusher({
    appId: app.id,
    key: app.key,
    secret: app.secret,
    host: endpoint.host ?? '127.0.0.1',
    port: String(endpoint.port),
    useTLS: false,
    ...extra,
  } as Pusher.Options);
}

export interface ClientOptions {
  /** For presence channels: who this client is. */
  readonly user?: { id: string; info?: Record<string, unknown> };
  /** For pusher:signin (user authentication). */
  readonly signinUser?: { id: string; watchlist?: string[]; [k: string]: unknown };
  readonly extra?: Partial<Options>;
  /** The server SDK that signs channel and user authorisations (default: `serverSdk(endpoint, app)`). */
  readonly signer?: Pusher;
}

/** A pusher-js client whose channel authorisation is signed by the `pusher` SDK, like an app's auth endpoint. */
export function createClient(endpoint: Endpoint, app: AppCredentials, options: ClientOptions = {}): PusherJs {
  const signer = options.signer ?? serverSdk(endpoint, app);
  return new PusherJs(app.key, {
    cluster: 'mt1',
    wsHost: endpoint.host ?? '127.0.0.1',
    wsPort: endpoint.port,
    forceTLS: false,
    enabledTransports: ['ws'],
    disableStats: true,
    channelAuthorization: {
      customHandler: ({ socketId, channelName }, callback) => {
        const presence = channelName.startsWith('presence-') && options.user ? { user_id: options.user.id, user_info: options.user.info } : undefined;
        callback(null, signer.authorizeChannel(socketId, channelName, presence));
      },
    },
    userAuthentication: {
      customHandler: ({ socketId }, callback) => {
        if (!options.signinUser) return callback(new Error('this test client has no user to sign in'), null);
        callback(null, signer.authenticateUser(socketId, options.signinUser));
      },
    },
    ...options.extra,
  });
}

export async function connectedClient(endpoint: Endpoint, app: AppCredentials, options: ClientOptions = {}): Promise<PusherJs> {
  const client = createClient(endpoint, app, options);
  await within(
    new Promise<void>((resolve, reject) => {
      client.connection.bind('connected', () => resolve());
      client.connection.bind('failed', () => reject(new Error('pusher-js connection failed')));
    }),
    'pusher-js to connect',
  );
  return client;
}

/** A pusher-js client signed in (pusher:signin) as `user`, authenticated by the `pusher` SDK. */
export async function signedIn(endpoint: Endpoint, app: AppCredentials, user: { id: string; watchlist?: string[] }): Promise<PusherJs> {
  const client = await connectedClient(endpoint, app, { signinUser: user });
  client.signin();
  await within(client.user.signinDonePromise, `${user.id} to sign in`);
  if (client.user.user_data?.id !== user.id) throw new Error(`${user.id} is not signed in (user_data ${JSON.stringify(client.user.user_data)})`);
  return client;
}

/** Subscribes and resolves once the server confirms; rejects with the subscription error. */
export function subscribed<T extends Channel = Channel>(client: PusherJs, channelName: string, timeoutMs = 5000): Promise<T> {
  const channel = client.subscribe(channelName) as T;
  return within(
    new Promise<T>((resolve, reject) => {
      channel.bind('pusher:subscription_succeeded', () => resolve(channel));
      channel.bind('pusher:subscription_error', (error: unknown) => reject(Object.assign(new Error(`subscription to ${channelName} failed`), { detail: error })));
    }),
    `subscription to ${channelName}`,
    timeoutMs,
  );
}

export function subscribedPresence(client: PusherJs, channelName: string): Promise<PresenceChannel> {
  return subscribed<PresenceChannel>(client, channelName);
}

/** Resolves with the data of the next `eventName` on `channel`. */
export function nextEvent<T = unknown>(channel: Channel, eventName: string, timeoutMs = 5000): Promise<T> {
  return within(
    new Promise<T>((resolve) => {
      const handler = (data: T) => {
        channel.unbind(eventName, handler);
        resolve(data);
      };
      channel.bind(eventName, handler);
    }),
    `${eventName} on ${channel.name}`,
    timeoutMs,
  );
}

/** Collects every `eventName` on `channel` into an array. */
export function collect<T = unknown>(channel: Channel, eventName: string): T[] {
  const seen: T[] = [];
  channel.bind(eventName, (data: T) => seen.push(data));
  return seen;
}
