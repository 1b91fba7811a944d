/**
 * The join → member_added path as one trace, across a cluster of real processes on
 * nats-server: a pusher-js client that signs in and subscribes to a presence channel through
 * an app's auth endpoint gives its gateway's `pusher:signin` and `pusher:subscribe presence`
 * spans; the subscribe's trace holds both presence replicas' join spans as its children, each
 * from its own process, and the other gateway's consumer span for the member_added it
 * delivered, a child of one of them. A subscribe refused for its signature is an ERROR span
 * with Pusher's 4009.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type PusherJs from 'pusher-js';
import type { PresenceChannel } from 'pusher-js';
import { type AuthEndpoint, startAuthEndpoint } from '../helpers/auth-endpoint';
import { type NatsServer, startNatsServer } from '../helpers/nats';
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from '../helpers/otlp-receiver';
import { connectedClient, serverSdk, subscribedPresence } from '../helpers/pusher-clients';
import type { TestApp } from '../helpers/test-herald';
import { waitFor, within } from '../helpers/wait';
import { TestCluster } from './cluster-fixture';

const APP: TestApp = { id: 'ptrace', key: 'ptrace-key', secret: 'ptrace-secret' };
const CHANNEL = 'presence-traced-room';

const instance = (span: ReceivedSpan) => String(span.resource['service.instance.id']);

describe('cluster: a presence join traced from the subscribe to every replica', () => {
  let nats: NatsServer;
  let otlp: OtlpReceiver;
  let auth: AuthEndpoint;
  let wrongAuth: AuthEndpoint;
  let cluster: TestCluster;
  const clients: PusherJs[] = [];

  /** A pusher-js client whose subscriptions and signin are authorised by `endpoint` as `userId`. */
  const client = async (gateway: number, userId: string, endpoint: AuthEndpoint = auth) => {
    const params = { user_id: userId };
    const c = await connectedClient({ port: cluster.gateways[gateway].port }, APP, {
      extra: {
        channelAuthorization: { endpoint: endpoint.channelAuthUrl, transport: 'ajax', params },
        userAuthentication: { endpoint: endpoint.userAuthUrl, transport: 'ajax', params },
      },
    });
    clients.push(c);
    return c;
  };

  before(async () => {
    nats = await startNatsServer();
    otlp = await startOtlpReceiver();
    auth = await startAuthEndpoint(serverSdk({ port: 0 }, APP));
    // An auth endpoint that signs with a secret the app does not have.
    wrongAuth = await startAuthEndpoint(serverSdk({ port: 0 }, { ...APP, secret: 'not-the-secret' }));
    cluster = await TestCluster.start({
      natsUrls: [nats.url],
      apps: [APP],
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint, OTEL_TRACES_SAMPLER: 'always_on', OTEL_BSP_SCHEDULE_DELAY: '100' },
    });
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    await cluster?.stop();
    await nats?.stop();
    await otlp?.close();
    await auth?.close();
    await wrongAuth?.close();
  });

  it('signin and presence subscribe: the subscribe span’s trace holds both replicas’ join spans; the other gateway’s member sees member_added', async () => {
    const bob = await client(1, 'bob');
    const bobsRoom = await subscribedPresence(bob, CHANNEL);
    const added = new Promise<{ id: string }>((resolve) => bobsRoom.bind('pusher:member_added', resolve));

    const alice = await client(0, 'alice');
    alice.signin();
    await within(alice.user.signinDonePromise, 'alice to sign in');
    const room: PresenceChannel = await subscribedPresence(alice, CHANNEL);
    assert.equal(room.members.count, 2);
    assert.equal((await within(added, 'bob to see alice join')).id, 'alice');
    const socketId = alice.connection.socket_id;
    assert.deepEqual(
      auth.requests.filter((r) => r.form.socket_id === socketId).map((r) => r.path),
      ['/pusher/user-auth', '/pusher/auth'],
      'alice was authorised by the app’s endpoints',
    );

    const isSubscribe = (s: ReceivedSpan) => s.name === 'pusher:subscribe presence' && s.attributes['herald.socket_id'] === socketId;
    const spans = await otlp.waitForSpans((all) => {
      const subscribe = all.find(isSubscribe);
      return Boolean(subscribe) && all.filter((s) => s.name === 'process presence join' && s.parentSpanId === subscribe?.spanId).length === 2;
    }, 'the subscribe span and both replicas’ join spans');

    const subscribe = spans.find(isSubscribe);
    assert.ok(subscribe);
    assert.equal(subscribe.kind, 'server');
    assert.equal(subscribe.parentSpanId, '', 'a client’s subscribe starts its own trace');
    assert.equal(subscribe.resource['service.name'], 'herald-gateway');
    assert.deepEqual(
      {
        app: subscribe.attributes['herald.app_id'],
        channel: subscribe.attributes['herald.channel'],
        type: subscribe.attributes['herald.channel_type'],
        result: subscribe.attributes['herald.result'],
      },
      { app: APP.id, channel: CHANNEL, type: 'presence', result: 'subscribed' },
    );
    assert.notEqual(subscribe.status.code, 'error');
    assert.ok(!subscribe.name.includes(CHANNEL), 'never the channel in the span name');

    const joins = spans.filter((s) => s.name === 'process presence join' && s.parentSpanId === subscribe.spanId);
    assert.equal(new Set(joins.map(instance)).size, 2, `two replicas: ${joins.map(instance).join(', ')}`);
    for (const join of joins) {
      assert.equal(join.traceId, subscribe.traceId);
      assert.equal(join.kind, 'consumer');
      assert.equal(join.resource['service.name'], 'herald-presence');
      assert.notEqual(instance(join), instance(subscribe));
      assert.equal(join.attributes['herald.app_id'], APP.id);
      assert.equal(join.attributes['herald.channel'], CHANNEL);
      assert.equal(join.attributes['herald.socket_id'], socketId);
      assert.equal(join.attributes['herald.result'], 'member_added');
      assert.equal(join.attributes['messaging.system'], 'nats');
    }

    // The member_added each replica emitted carries its join span's context: bob's gateway delivers the first copy under it.
    const joinIds = new Set(joins.map((j) => j.spanId));
    const delivered = await waitFor(
      () => otlp.spans.find((s) => s.kind === 'consumer' && joinIds.has(s.parentSpanId) && s.attributes['herald.recipients'] === 1),
      'the member_added consumer span on bob’s gateway',
    );
    assert.equal(delivered.traceId, subscribe.traceId);
    assert.equal(delivered.attributes['herald.event'], 'pusher_internal:member_added');
    assert.equal(delivered.attributes['herald.channel'], CHANNEL);
    assert.equal(delivered.resource['service.name'], 'herald-gateway');
    assert.notEqual(instance(delivered), instance(subscribe), 'delivered by the other gateway');

    const signin = await waitFor(() => otlp.spans.find((s) => s.name === 'pusher:signin' && s.attributes['herald.socket_id'] === socketId), 'the signin span');
    assert.equal(signin.kind, 'server');
    assert.equal(signin.attributes['herald.app_id'], APP.id);
    assert.equal(signin.attributes['herald.result'], 'ok');
    assert.equal(instance(signin), instance(subscribe), 'signin and subscribe on alice’s gateway');
    assert.equal(otlp.undecodable, 0);
  });

  it('a subscribe whose signature does not match: an ERROR span with 4009, and the client hears subscription_error', async () => {
    const mallory = await client(0, 'mallory', wrongAuth);
    const channel = mallory.subscribe('presence-refused-room');
    const error = await within(new Promise<{ type: string; status: number }>((resolve) => channel.bind('pusher:subscription_error', resolve)), 'the subscription error');
    assert.equal(error.type, 'AuthError');
    const socketId = mallory.connection.socket_id;
    const [span] = (
      await otlp.waitForSpans((all) => all.some((s) => s.attributes['herald.socket_id'] === socketId && s.name.startsWith('pusher:subscribe')), 'the refused subscribe span')
    ).filter((s) => s.attributes['herald.socket_id'] === socketId && s.name.startsWith('pusher:subscribe'));
    assert.equal(span.name, 'pusher:subscribe presence');
    assert.equal(span.status.code, 'error');
    assert.match(span.status.message, /Invalid signature/);
    assert.equal(span.attributes['herald.result'], '4009');
    assert.equal(span.attributes['error.type'], 'AuthError');
    assert.equal(span.attributes['herald.channel'], 'presence-refused-room');
    assert.equal(otlp.spans.filter((s) => s.name === 'process presence join' && s.traceId === span.traceId).length, 0, 'a refused subscribe sends no join');
  });
});
