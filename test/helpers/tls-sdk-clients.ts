/**
 * Run as its own process by the TLS test, so the test's CA can be trusted the way an
 * application trusts a private CA, through NODE_EXTRA_CA_CERTS (pusher-js's Node build takes
 * no CA option). pusher-js connects over wss:// (forceTLS) and subscribes; the `pusher` SDK
 * triggers an event and lists channels over https:// (useTLS). Prints one JSON line with what
 * happened and exits 0, or prints { error } and exits 1.
 *
 *   node tls-sdk-clients.js '{"port":6001,"app":{"id":"1","key":"k","secret":"s"}}'
 */
import Pusher from 'pusher';
import PusherJs from 'pusher-js';

interface Input {
  readonly port: number;
  readonly app: { readonly id: string; readonly key: string; readonly secret: string };
}

const CHANNEL = 'tls-channel';

async function run(input: Input): Promise<Record<string, unknown>> {
  const client = new PusherJs(input.app.key, {
    cluster: 'mt1',
    wsHost: '127.0.0.1',
    wssPort: input.port,
    forceTLS: true,
    enabledTransports: ['ws', 'wss'],
    disableStats: true,
  });
  try {
    const socketId = await new Promise<string>((resolve, reject) => {
      client.connection.bind('connected', () => resolve(client.connection.socket_id));
      client.connection.bind('error', (error: unknown) => reject(new Error(`pusher-js: ${JSON.stringify(error)}`)));
    });
    const channel = client.subscribe(CHANNEL);
    await new Promise<void>((resolve) => channel.bind('pusher:subscription_succeeded', () => resolve()));
    const event = new Promise<unknown>((resolve) => channel.bind('hello', resolve));

    const sdk = new Pusher({ appId: input.app.id, key: input.app.key, secret: input.app.secret, host: '127.0.0.1', port: String(input.port), useTLS: true });
    const trigger = await sdk.trigger(CHANNEL, 'hello', { via: 'https' });
    const channels = (await (await sdk.get({ path: '/channels' })).json()) as unknown;
    return { socketId, usingTLS: (client.connection as unknown as { usingTLS: boolean }).usingTLS, triggerStatus: trigger.status, event: await event, channels };
  } finally {
    client.disconnect();
  }
}

const timeout = setTimeout(() => {
  process.stdout.write(`${JSON.stringify({ error: 'timed out after 10 s' })}\n`);
  process.exit(1);
}, 10_000);

run(JSON.parse(process.argv[2] ?? '{}') as Input).then(
  (result) => {
    clearTimeout(timeout);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    process.exit(0);
  },
  (err: unknown) => {
    clearTimeout(timeout);
    process.stdout.write(`${JSON.stringify({ error: (err as Error).message })}\n`);
    process.exit(1);
  },
);
