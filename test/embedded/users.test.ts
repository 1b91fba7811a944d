/**
 * User authentication (pusher:signin), server-to-user events, terminate connections and
 * watchlists, with pusher-js signing in through the `pusher` SDK's authenticateUser. Herald
 * runs on a clock the test moves, so the sign-in grace period passes without waiting for it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type PusherJs from 'pusher-js';
import { ManualClock } from '../../services/core/src/manual-clock';
import { connectedClient, serverSdk, signedIn } from '../helpers/pusher-clients';
import { type RawClient, rawClient } from '../helpers/raw-client';
import { signedRequest } from '../helpers/signed-request';
import { startTestHerald, type TestApp, type TestHerald } from '../helpers/test-herald';
import { waitAdvancing, waitFor, within } from '../helpers/wait';

const APP: TestApp = { id: 'users-app', key: 'users-key', secret: 'users-secret', watchlistEvents: true };
const STRICT: TestApp = { id: 'strict-app', key: 'strict-key', secret: 'strict-secret', userAuthentication: { required: true, timeoutSeconds: 1 } };

describe('user authentication and server-to-user events', () => {
  let herald: TestHerald;
  const clients: PusherJs[] = [];
  const clock = new ManualClock(Date.now());
  before(async () => {
    herald = await startTestHerald({ apps: [APP, STRICT], clock });
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    await herald.stop();
  });

  it('signs in and delivers sendToUser to every socket of that user only', async () => {
    const [a1, a2, b] = [await signedIn(herald, APP, { id: 'ann' }), await signedIn(herald, APP, { id: 'ann' }), await signedIn(herald, APP, { id: 'ben' })];
    clients.push(a1, a2, b);
    const got = (c: PusherJs) => new Promise((resolve) => c.user.bind('invoice', resolve));
    const [g1, g2] = [got(a1), got(a2)];
    const benGot: unknown[] = [];
    b.user.bind('invoice', (d: unknown) => benGot.push(d));
    const response = await serverSdk(herald, APP).sendToUser('ann', 'invoice', { total: 42 });
    assert.equal(response.status, 200);
    assert.deepEqual(await within(g1, 'first socket'), { total: 42 });
    assert.deepEqual(await within(g2, 'second socket'), { total: 42 });
    const marker = new Promise((resolve) => b.user.bind('marker', resolve));
    await serverSdk(herald, APP).sendToUser('ben', 'marker', {});
    await within(marker, 'marker for ben');
    assert.equal(benGot.length, 0, "ben never got ann's event");
  });

  it('rejects a bad signin signature with 4009 and closes the connection', async () => {
    const raw = await rawClient(herald.port, APP.key);
    raw.send({ event: 'pusher:signin', data: { auth: `${APP.key}:${'0'.repeat(64)}`, user_data: JSON.stringify({ id: 'mallory' }) } });
    const error = await raw.next((f) => f.event === 'pusher:error', 'pusher:error');
    assert.equal((error.data as { code: number }).code, 4009);
    assert.equal((await raw.closed).code, 4009);
  });

  it('only lets a signed-in user subscribe to their own #server-to-user- channel', async () => {
    const raw = await rawClient(herald.port, APP.key);
    raw.send({ event: 'pusher:subscribe', data: { channel: '#server-to-user-ann' } });
    const refused = await raw.next((f) => f.event === 'pusher:subscription_error', 'subscription_error');
    assert.equal((refused.data as { status: number }).status, 403);
    raw.close();
  });

  it('terminates every connection of a user', async () => {
    const [c1, c2, other] = [await signedIn(herald, APP, { id: 'tom' }), await signedIn(herald, APP, { id: 'tom' }), await signedIn(herald, APP, { id: 'tim' })];
    clients.push(c1, c2, other);
    const closedStates = [c1, c2].map(
      (c) => new Promise<string>((resolve) => c.connection.bind('state_change', (s: { current: string }) => s.current !== 'connected' && resolve(s.current))),
    );
    const response = await serverSdk(herald, APP).terminateUserConnections('tom');
    assert.equal(response.status, 200);
    const states = await within(Promise.all(closedStates), "both of tom's sockets to close");
    for (const state of states) assert.notEqual(state, 'connected');
    assert.equal(other.connection.state, 'connected');
  });

  it("terminates a user's connections at /users/:id/terminate_connections, the path the official Python SDK sends", async () => {
    const [c1, other] = [await signedIn(herald, APP, { id: 'pym' }), await signedIn(herald, APP, { id: 'pyn' })];
    clients.push(c1, other);
    const closed = new Promise<string>((resolve) => c1.connection.bind('state_change', (s: { current: string }) => s.current !== 'connected' && resolve(s.current)));
    const path = '/users/pym/terminate_connections';
    const response = await signedRequest(herald, APP, { path, body: {} });
    assert.deepEqual([response.status, response.json], [200, {}]);
    await within(closed, "pym's socket to close");
    assert.equal(other.connection.state, 'connected');

    // The app is the one whose key signed the request; its signature is checked over that path.
    const wrongSecret = await signedRequest(herald, APP, { path, body: {}, secret: 'not-the-secret' });
    assert.equal(wrongSecret.status, 401);
    const unknownKey = await signedRequest(herald, { ...APP, key: 'nobody' }, { path, body: {} });
    assert.deepEqual([unknownKey.status, unknownKey.json], [401, { error: 'Unknown auth_key' }]);
    const unsigned = await fetch(`${herald.httpUrl}${path}`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    assert.equal(unsigned.status, 401);
    assert.match(((await unsigned.json()) as { error: string }).error, /auth_key, auth_timestamp and auth_signature are required/);
  });

  it('sends watchlist online and offline events', async () => {
    const watcher = await signedIn(herald, APP, { id: 'wendy', watchlist: ['oscar', 'olga'] });
    clients.push(watcher);
    const online: string[] = [];
    const offline: string[] = [];
    watcher.user.watchlist.bind('online', (e: { user_ids: string[] }) => online.push(...e.user_ids));
    watcher.user.watchlist.bind('offline', (e: { user_ids: string[] }) => offline.push(...e.user_ids));
    const oscar = await signedIn(herald, APP, { id: 'oscar' });
    await waitFor(() => online.includes('oscar'), 'oscar online');
    oscar.disconnect();
    await waitFor(() => offline.includes('oscar'), 'oscar offline');
    assert.ok(!online.includes('olga') && !offline.includes('olga'), 'olga never connected');

    // A watcher signing in later learns at once who is already online.
    const olga = await signedIn(herald, APP, { id: 'olga' });
    clients.push(olga);
    const late = await connectedClient(herald, APP, { signinUser: { id: 'walter', watchlist: ['olga'] } });
    clients.push(late);
    const initial = new Promise<string[]>((resolve) => late.user.watchlist.bind('online', (e: { user_ids: string[] }) => resolve(e.user_ids)));
    late.signin();
    assert.deepEqual(await within(initial, 'initial online list'), ['olga']);
  });

  it('closes connections that do not sign in within the grace period when the app requires it', async () => {
    // Herald's clock moves a second at a time: past the 1 s grace period and the sweep after it.
    const closedBySweep = async (socket: RawClient, what: string) => {
      let closed: { code: number } | undefined;
      void socket.closed.then((c) => (closed = c));
      return waitAdvancing(clock, 1000, () => closed, what, 10_000);
    };
    const anonymous = await rawClient(herald.port, STRICT.key);
    const closed = await closedBySweep(anonymous, 'the anonymous socket to be closed');
    assert.equal(closed.code, 4009);
    const signed = await signedIn(herald, STRICT, { id: 'sam' });
    clients.push(signed);
    // Past the 1 s grace period it must still be connected. An anonymous socket opened after it
    // is the marker: the sweep that closes that one has looked at the signed-in one too.
    const marker = await rawClient(herald.port, STRICT.key);
    assert.equal((await closedBySweep(marker, 'the marker socket to be closed')).code, 4009);
    const served = new Promise((resolve) => signed.user.bind('still-here', resolve));
    await serverSdk(herald, STRICT).sendToUser('sam', 'still-here', {});
    await within(served, 'an event on the signed-in socket after the sweep');
    assert.equal(signed.connection.state, 'connected');
  });
});
