import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { App } from '../../core/src/apps/app-registry';
import { signUserAuth } from '../../core/src/signing/socket-auth';
import type { Connection } from './connection';
import { TEST_APP, TestGateway, testApp } from './testing/test-gateway';

describe('Signin', () => {
  let gateway: TestGateway;
  beforeEach(() => {
    gateway = new TestGateway();
  });
  afterEach(() => gateway.stop());

  /** Sends pusher:signin as pusher-js does, signed by the app unless `auth` is given. */
  async function signIn(connection: Connection, userData: unknown, auth?: string): Promise<void> {
    const text = typeof userData === 'string' ? userData : JSON.stringify(userData);
    gateway.receive(connection, { event: 'pusher:signin', data: { user_data: text, auth: auth ?? signUserAuth(TEST_APP, connection.socketId, text) } });
    await gateway.settle();
  }

  function closedWith4009(transportTexts: string[], closes: ReadonlyArray<{ code: number; reason: string }>, message: string): void {
    assert.deepEqual(transportTexts, [JSON.stringify({ event: 'pusher:error', data: { code: 4009, message } })]);
    assert.deepEqual(closes, [{ code: 4009, reason: message }]);
  }

  it('answers a valid signature with pusher:signin_success and reports the user to presence', async () => {
    const { connection, transport } = gateway.connect();
    await signIn(connection, { id: 'alice', user_info: { name: 'Alice' } });
    assert.deepEqual(transport.texts(), [JSON.stringify({ event: 'pusher:signin_success', data: JSON.stringify({ user_data: '{"id":"alice","user_info":{"name":"Alice"}}' }) })]);
    assert.equal(connection.userId, 'alice');
    const signins = gateway.presenceService.updates.flatMap((u) => u.signins);
    assert.deepEqual(signins, [{ appId: TEST_APP.id, socketId: connection.socketId, userId: 'alice', watchlist: [] }]);
  });

  it('with watchlist events on, asks presence who of the watchlist is online and tells the socket', async () => {
    const app: App = testApp({ watchlistEvents: true });
    gateway.presenceService.online.add('bob');
    const { connection, transport } = gateway.connect(app);
    await signIn(connection, { id: 'alice', watchlist: ['bob', 'carol', 'bob'] });
    assert.deepEqual(transport.events(), ['pusher:signin_success', 'pusher_internal:watchlist_events']);
    assert.equal(transport.texts()[1], '{"event":"pusher_internal:watchlist_events","data":"{\\"events\\":[{\\"name\\":\\"online\\",\\"user_ids\\":[\\"bob\\"]}]}"}');
    const [signin] = gateway.presenceService.updates.filter((u) => u.signins.length > 0);
    assert.deepEqual(signin.signins[0].watchlist, ['bob', 'carol'], 'each watched user once');
    assert.equal(signin.request, true);
  });

  it('ignores the watchlist of an app without watchlist events', async () => {
    gateway.presenceService.online.add('bob');
    const { connection, transport } = gateway.connect();
    await signIn(connection, { id: 'alice', watchlist: ['bob'] });
    assert.deepEqual(transport.events(), ['pusher:signin_success']);
    assert.deepEqual(
      gateway.presenceService.updates.flatMap((u) => u.signins.map((s) => s.watchlist)),
      [[]],
    );
  });

  it('closes the connection with 4009 for a signature that does not match', async () => {
    const { connection, transport } = gateway.connect();
    const other = gateway.connect().connection;
    await signIn(connection, { id: 'alice' }, signUserAuth(TEST_APP, other.socketId, '{"id":"alice"}'));
    closedWith4009(transport.texts(), transport.closes, `Connection is unauthorized: Invalid signature for the user data of socket ${connection.socketId}`);
    assert.equal(connection.userId, undefined);
    assert.deepEqual(gateway.protocolErrors, [4009]);
    assert.deepEqual(gateway.presenceService.updates, []);
  });

  const refusals: Array<[string, unknown, string]> = [
    ['user_data that is not JSON', '{not json', 'user_data must be a JSON object'],
    ['user_data that is not an object', '["alice"]', 'user_data must be a JSON object'],
    ['a missing id', { name: 'Alice' }, 'user_data.id must be a non-empty string'],
    ['an empty id', { id: '' }, 'user_data.id must be a non-empty string'],
    ['an id past the limit', { id: 'x'.repeat(129) }, 'user id is 129 characters; the limit is 128'],
    ['a watchlist that is not a list of ids', { id: 'alice', watchlist: [1] }, 'user_data.watchlist must be an array of user ids'],
    ['a watchlist past the limit', { id: 'alice', watchlist: Array.from({ length: 101 }, (_, i) => `u${i}`) }, 'watchlist has 101 users; the limit is 100'],
  ];
  for (const [what, userData, message] of refusals) {
    it(`closes with 4009 for signed ${what}`, async () => {
      const { connection, transport } = gateway.connect();
      await signIn(connection, userData);
      closedWith4009(transport.texts(), transport.closes, `Connection is unauthorized: ${message}`);
    });
  }

  it('closes with 4009 when auth or user_data is missing', async () => {
    const { connection, transport } = gateway.connect();
    gateway.receive(connection, { event: 'pusher:signin', data: { user_data: '{"id":"alice"}' } });
    await gateway.settle();
    closedWith4009(transport.texts(), transport.closes, 'Connection is unauthorized: pusher:signin needs "auth" and "user_data" strings');
  });

  it('confirms signing in again as the same user, and refuses another user without closing', async () => {
    const { connection, transport } = gateway.connect();
    await signIn(connection, { id: 'alice' });
    await signIn(connection, { id: 'alice' });
    await signIn(connection, { id: 'bob' });
    assert.deepEqual(transport.events(), ['pusher:signin_success', 'pusher:signin_success', 'pusher:error']);
    assert.deepEqual(transport.json()[2].data, { code: null, message: 'Already signed in as alice' });
    assert.deepEqual(transport.closes, []);
    assert.equal(connection.userId, 'alice');
    assert.equal(gateway.presenceService.updates.flatMap((u) => u.signins).length, 1, 'reported once');
  });

  it('reports the sign-out when the socket goes away, once', async () => {
    const { connection } = gateway.connect();
    const anonymous = gateway.connect().connection;
    await signIn(connection, { id: 'alice' });
    gateway.disconnect(connection);
    gateway.disconnect(anonymous);
    await gateway.settle();
    assert.deepEqual(
      gateway.presenceService.updates.flatMap((u) => u.signouts),
      [{ appId: TEST_APP.id, socketId: connection.socketId }],
    );
  });

  it('sends nothing to a socket that closed while its user was being registered', async () => {
    const { connection, transport } = gateway.connect();
    const text = '{"id":"alice"}';
    const pending = gateway.signin.handle(connection, { user_data: text, auth: signUserAuth(TEST_APP, connection.socketId, text) });
    connection.close(1000, 'bye');
    await pending;
    assert.deepEqual(transport.frames, []);
  });
});
