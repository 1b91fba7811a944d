/**
 * What every official Pusher server SDK must be able to do against Herald, once embedded and
 * once in cluster mode (pusher-js on one gateway process, the SDK on the api process). The
 * SDK under test is a driver in its own language (test/sdks/README.md); pusher-js is the
 * client that checks what arrived, and its channel and user authorisations are the SDK's own
 * output. Each operation is one test and prints one line.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type PusherJs from 'pusher-js';
import type { Channel, PresenceChannel } from 'pusher-js';
import { collect, connectedClient, nextEvent, serverSdk, subscribed } from '../helpers/pusher-clients';
import type { TestApp } from '../helpers/test-herald';
import { waitFor, within } from '../helpers/wait';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver';
import { type DriverProcess, type DriverSpec, UnsupportedBySdk } from './driver-process';
import { type HeraldTarget, type Mode, startHeraldTarget } from './herald-target';
import { startDriver } from './sdk-drivers';

/** The operations a server SDK is checked on; `unsupported` must name exactly those it lacks. */
const SERVER_OPERATIONS = [
  'trigger',
  'trigger to several channels',
  'trigger with socket_id exclusion',
  'trigger with info',
  'trigger_batch',
  'channels_info',
  'channel_info',
  'users_info',
  'authorize_channel (private)',
  'authorize_channel (presence)',
  'private-encrypted trigger',
  'authenticate_user',
  'send_to_user',
  'terminate_user_connections',
  'validate_webhook',
] as const;
export type ServerOperation = (typeof SERVER_OPERATIONS)[number];

export interface ServerSdkSpec extends DriverSpec {
  /** Operations this SDK has no call for (checked: each must answer `unsupported`, the rest must not). */
  readonly unsupported?: readonly ServerOperation[];
}

const MASTER_KEY = randomBytes(32).toString('base64');

interface ClientUser {
  readonly id: string;
  readonly info?: Record<string, unknown>;
  readonly signinFallback?: boolean;
  /** Why the SDK could not sign this user in, if it could not. */
  signinError?: Error;
}

export function serverSdkConformance(spec: ServerSdkSpec): void {
  for (const mode of ['embedded', 'cluster'] as const) describeMode(spec, mode);
}

function describeMode(spec: ServerSdkSpec, mode: Mode): void {
  describe(`${spec.language} server SDK against Herald (${mode})`, () => {
    // Numeric, as Pusher's app ids are: the official Python and Go SDKs refuse any other.
    const app: TestApp = { id: '4242', key: 'sdk-key', secret: 'sdk-secret', clientEvents: true };
    // private-encrypted- channels on an app of their own: pusher-http-go fails to validate any
    // webhook batch holding an encrypted channel's channel_occupied (it tries to decrypt the
    // event's missing data), which would make validate_webhook depend on batch timing.
    const vaultApp: TestApp = { id: '4243', key: 'sdk-vault-key', secret: 'sdk-vault-secret' };
    let receiver: WebhookReceiver;
    let target: HeraldTarget;
    let sdk: DriverProcess;
    let vaultSdk: DriverProcess | undefined;
    const clients: PusherJs[] = [];

    before(async () => {
      receiver = await startWebhookReceiver(app);
      target = await startHeraldTarget(mode, [{ ...app, webhooks: [{ url: receiver.url }] }, vaultApp]);
      sdk = await startDriver(spec, target.api, app);
    });
    after(async () => {
      for (const c of clients) c.disconnect();
      await sdk?.stop();
      await vaultSdk?.stop();
      await target?.stop();
      await receiver?.close();
    });

    /** A pusher-js client on the target's gateway whose authorisations come from the SDK under test. */
    async function client(user?: ClientUser, via = { app, sdk }): Promise<PusherJs> {
      const { sdk } = via;
      const c = await connectedClient(target.ws, via.app, {
        extra: {
          channelAuthorization: {
            endpoint: '/not-used',
            transport: 'ajax',
            customHandler: ({ socketId, channelName }, callback) => {
              const presence = channelName.startsWith('presence-') && user ? { user_id: user.id, user_info: user.info } : undefined;
              sdk.call<{ auth: string }>('authorize_channel', { socket_id: socketId, channel: channelName, presence }).then(
                (auth) => callback(null, auth),
                (err: Error) => callback(err, null),
              );
            },
          },
          userAuthentication: {
            endpoint: '/not-used',
            transport: 'ajax',
            customHandler: ({ socketId }, callback) => {
              if (!user) return callback(new Error('this client has no user'), null);
              const userData = { id: user.id, ...user.info };
              sdk.call<{ auth: string; user_data: string }>('authenticate_user', { socket_id: socketId, user: userData }).then(
                (auth) => callback(null, auth),
                (err: Error) => {
                  user.signinError = err;
                  if (err instanceof UnsupportedBySdk && user.signinFallback) callback(null, serverSdk(target.api, via.app).authenticateUser(socketId, userData));
                  else callback(err, null);
                },
              );
            },
          },
        },
      });
      clients.push(c);
      return c;
    }

    /**
     * A signed-in pusher-js client. `signinFallback`: for tests of another call, an SDK without
     * authenticate_user signs in through the `pusher` npm SDK instead.
     */
    async function signedInClient(id: string, signinFallback = false): Promise<PusherJs> {
      const user: ClientUser = { id, info: { name: id }, signinFallback };
      const c = await client(user);
      c.signin();
      await within(c.user.signinDonePromise, `${id} to sign in with the SDK's authenticate_user`);
      if (user.signinError instanceof UnsupportedBySdk && !signinFallback) throw user.signinError;
      assert.equal(c.user.user_data?.id, id, `${id} is signed in`);
      return c;
    }

    /** One operation: one test, one line of output; an SDK without the call must be listed as such. */
    function operation(name: ServerOperation, body: () => Promise<void>): void {
      it(name, async () => {
        const expectUnsupported = spec.unsupported?.includes(name) ?? false;
        try {
          await body();
        } catch (err) {
          if (err instanceof UnsupportedBySdk && expectUnsupported) {
            process.stdout.write(`[sdk] ${sdk.label} (${mode}) ${name}: not offered by this SDK\n`);
            return;
          }
          process.stdout.write(`[sdk] ${sdk?.label ?? spec.language} (${mode}) ${name}: FAILED\n`);
          throw err;
        }
        assert.ok(!expectUnsupported, `${sdk.label} is listed as lacking ${name}, yet it worked: update the spec`);
        process.stdout.write(`[sdk] ${sdk.label} (${mode}) ${name}: ok\n`);
      });
    }

    operation('trigger', async () => {
      const channel = await subscribed(await client(), 'sdk-news');
      const arrived = nextEvent(channel, 'headline');
      await sdk.call('trigger', { channels: ['sdk-news'], event: 'headline', data: { title: 'hello', n: 1, nested: { ok: true } } });
      assert.deepEqual(await arrived, { title: 'hello', n: 1, nested: { ok: true } });
    });

    operation('trigger to several channels', async () => {
      const c = await client();
      const names = ['sdk-multi-a', 'sdk-multi-b', 'sdk-multi-c'];
      const channels = await Promise.all(names.map((n) => subscribed(c, n)));
      const arrived = channels.map((ch) => nextEvent(ch, 'fanned'));
      await sdk.call('trigger', { channels: names, event: 'fanned', data: 'plain text' });
      assert.deepEqual(await Promise.all(arrived), ['plain text', 'plain text', 'plain text']);
    });

    operation('trigger with socket_id exclusion', async () => {
      const [sender, other] = [await client(), await client()];
      const [fromSender, fromOther] = [await subscribed(sender, 'sdk-exclusion'), await subscribed(other, 'sdk-exclusion')];
      const senderGot = collect<{ n: number }>(fromSender, 'note');
      const otherGot = collect<{ n: number }>(fromOther, 'note');
      await sdk.call('trigger', { channels: ['sdk-exclusion'], event: 'note', data: { n: 1 }, socket_id: sender.connection.socket_id });
      await sdk.call('trigger', { channels: ['sdk-exclusion'], event: 'note', data: { n: 2 } });
      await waitFor(() => otherGot.length === 2 && senderGot.length === 1, 'both events at the other socket, only the second at the sender');
      assert.deepEqual(
        otherGot.map((d) => d.n),
        [1, 2],
      );
      assert.deepEqual(
        senderGot.map((d) => d.n),
        [2],
        'the excluded socket got only the event not excluding it',
      );
    });

    operation('trigger with info', async () => {
      const c = await client();
      await subscribed(c, 'sdk-counted');
      // In a cluster the count reaches presence moments after subscription_succeeded.
      await settled<{ subscription_count?: number }>(
        'channel_info',
        { channel: 'sdk-counted', info: ['subscription_count'] },
        (r) => r.subscription_count === 1,
        'sdk-counted to count 1 subscriber',
      );
      const result = await sdk.call<{ channels: Record<string, { subscription_count?: number }> }>('trigger', {
        channels: ['sdk-counted'],
        event: 'counted',
        data: {},
        info: 'subscription_count',
      });
      assert.equal(result.channels['sdk-counted'].subscription_count, 1);
    });

    operation('trigger_batch', async () => {
      const c = await client();
      const [one, two] = [await subscribed(c, 'sdk-batch-1'), await subscribed(c, 'sdk-batch-2')];
      const arrived = [nextEvent(one, 'first'), nextEvent(two, 'second')];
      await sdk.call('trigger_batch', {
        batch: [
          { channel: 'sdk-batch-1', name: 'first', data: { i: 1 } },
          { channel: 'sdk-batch-2', name: 'second', data: { i: 2 } },
        ],
      });
      assert.deepEqual(await Promise.all(arrived), [{ i: 1 }, { i: 2 }]);
    });

    // A presence room with two members and a public lobby, for the channel queries below.
    let room: PresenceChannel | undefined;
    async function roomWithTwoMembers(): Promise<PresenceChannel> {
      if (room) return room;
      const ann = await client({ id: 'ann', info: { name: 'Ann', role: 'editor' } });
      const bob = await client({ id: 'bob', info: { name: 'Bob' } });
      room = await subscribed<PresenceChannel>(ann, 'presence-sdk-room');
      await subscribed(bob, 'presence-sdk-room');
      await subscribed(ann, 'sdk-lobby');
      await waitFor(() => room?.members.count === 2, 'both members in presence-sdk-room');
      return room;
    }

    /** Channel queries are answered from cluster-wide state that settles within moments. */
    function settled<T>(op: string, args: Record<string, unknown>, accept: (result: T) => boolean, what: string): Promise<T> {
      let last: T | undefined;
      return waitFor(
        async () => {
          last = await sdk.call<T>(op, args);
          return accept(last) ? last : undefined;
        },
        `${what} (last answer: ${JSON.stringify(last)})`,
      ).catch((err: Error) => {
        throw new Error(`${err.message}; last answer ${JSON.stringify(last)}`);
      });
    }

    operation('channels_info', async () => {
      await roomWithTwoMembers();
      type Channels = { channels: Record<string, { user_count?: number }> };
      const presence = await settled<Channels>(
        'channels_info',
        { prefix: 'presence-sdk-', info: ['user_count'] },
        (r) => r.channels['presence-sdk-room']?.user_count === 2,
        'presence-sdk-room with 2 users',
      );
      assert.deepEqual(Object.keys(presence.channels), ['presence-sdk-room'], 'filter_by_prefix leaves the other channels out');
      const all = await sdk.call<Channels>('channels_info', {});
      for (const name of ['sdk-lobby', 'presence-sdk-room', 'sdk-news']) assert.ok(name in all.channels, `${name} is listed: ${JSON.stringify(all)}`);
    });

    operation('channel_info', async () => {
      await roomWithTwoMembers();
      const lobby = await sdk.call<{ occupied: boolean; subscription_count?: number }>('channel_info', { channel: 'sdk-lobby', info: ['subscription_count'] });
      assert.deepEqual([lobby.occupied, lobby.subscription_count], [true, 1]);
      const presence = await sdk.call<{ occupied: boolean; user_count?: number }>('channel_info', { channel: 'presence-sdk-room', info: ['user_count'] });
      assert.deepEqual([presence.occupied, presence.user_count], [true, 2]);
      const empty = await sdk.call<{ occupied: boolean }>('channel_info', { channel: 'sdk-nobody-here' });
      assert.equal(empty.occupied, false);
    });

    operation('users_info', async () => {
      await roomWithTwoMembers();
      const result = await sdk.call<{ users: Array<{ id: string }> }>('users_info', { channel: 'presence-sdk-room' });
      assert.deepEqual(result.users.map((u) => u.id).sort(), ['ann', 'bob']);
    });

    operation('authorize_channel (private)', async () => {
      const c = await client();
      const channel: Channel = await subscribed(c, 'private-sdk-secrets');
      const arrived = nextEvent(channel, 'classified');
      await sdk.call('trigger', { channels: ['private-sdk-secrets'], event: 'classified', data: { level: 3 } });
      assert.deepEqual(await arrived, { level: 3 });
    });

    operation('authorize_channel (presence)', async () => {
      const members = await roomWithTwoMembers();
      // pusher-js shows what Herald accepted from the SDK's channel_data: the user and its info.
      assert.equal(members.members.me.id, 'ann');
      assert.deepEqual(normalizeInfo(members.members.me.info), { name: 'Ann', role: 'editor' });
      assert.deepEqual(normalizeInfo(members.members.get('bob')?.info), { name: 'Bob' });
    });

    operation('private-encrypted trigger', async () => {
      vaultSdk = await startDriver(spec, target.api, vaultApp, { SDK_ENCRYPTION_MASTER_KEY_BASE64: MASTER_KEY });
      const sdk = vaultSdk;
      const c = await client(undefined, { app: vaultApp, sdk });
      const channel = await subscribed(c, 'private-encrypted-sdk-vault');
      const arrived = nextEvent(channel, 'sealed');
      await sdk.call('trigger', { channels: ['private-encrypted-sdk-vault'], event: 'sealed', data: { pin: '1234' } });
      assert.deepEqual(await arrived, { pin: '1234' }, 'pusher-js decrypted what the SDK encrypted');
    });

    operation('authenticate_user', async () => {
      await signedInClient('sdk-signed-in');
    });

    operation('send_to_user', async () => {
      const c = await signedInClient('sdk-invoiced', true);
      const arrived = new Promise((resolve) => c.user.bind('invoice', resolve));
      await sdk.call('send_to_user', { user_id: 'sdk-invoiced', event: 'invoice', data: { total: 42 } });
      assert.deepEqual(await within(arrived, 'the server-to-user event'), { total: 42 });
    });

    operation('terminate_user_connections', async () => {
      const [target, bystander] = [await signedInClient('sdk-terminated', true), await signedInClient('sdk-bystander', true)];
      const left = new Promise<string>((resolve) => target.connection.bind('state_change', (s: { current: string }) => s.current !== 'connected' && resolve(s.current)));
      await sdk.call('terminate_user_connections', { user_id: 'sdk-terminated' });
      assert.notEqual(await within(left, "sdk-terminated's connection to end"), 'connected');
      assert.equal(bystander.connection.state, 'connected');
    });

    operation('validate_webhook', async () => {
      // The channel_occupied that the first test's subscription made Herald send.
      await receiver.waitForEvents((events) => events.some((e) => e.name === 'channel_occupied' && e.channel === 'sdk-news'), 'channel_occupied for sdk-news');
      const request = receiver.raw.find((r) =>
        (JSON.parse(r.body) as { events: Array<{ name: string; channel: string }> }).events.some((e) => e.name === 'channel_occupied' && e.channel === 'sdk-news'),
      );
      assert.ok(request, 'the raw webhook request was recorded');
      const webhook = await sdk.call<{ time_ms: number; events: Array<{ name: string; channel: string }> }>('validate_webhook', { ...request });

      assert.ok(Math.abs(webhook.time_ms - Date.now()) < 120_000, `time_ms ${webhook.time_ms} is a current time in ms`);
      assert.ok(
        webhook.events.some((e) => e.name === 'channel_occupied' && e.channel === 'sdk-news'),
        JSON.stringify(webhook.events),
      );

      const tampered = request.body.replace('"sdk-news"', '"sdk-other"');
      const refused = await sdk.request('validate_webhook', { ...request, body: tampered });
      assert.equal(refused.ok, false, `${sdk.label} refused a tampered body: ${JSON.stringify(refused)}`);
      const wrongKey = await sdk.request('validate_webhook', { ...request, key: 'another-key' });
      assert.equal(wrongKey.ok, false, `${sdk.label} refused a webhook signed for another key: ${JSON.stringify(wrongKey)}`);
    });
  });
}

/**
 * Some SDKs (Go's MemberData) carry user_info values as strings; compare values as text so
 * the check is about what Herald relayed, not the SDK's typing.
 */
function normalizeInfo(info: unknown): Record<string, string> {
  return Object.fromEntries(Object.entries((info ?? {}) as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
}
