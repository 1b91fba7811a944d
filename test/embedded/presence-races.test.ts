/**
 * Presence membership when a socket changes its mind while its join is still on its way to
 * the presence service: the member must not outlive the subscription (a "ghost" member the
 * others see forever, and that GET …/users keeps listing).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type PusherJs from 'pusher-js';
import type { PresenceChannel } from 'pusher-js';
import { connectedClient, serverSdk, subscribedPresence } from '../helpers/pusher-clients';
import { type RawClient, rawClient } from '../helpers/raw-client';
import { startTestHerald, type TestApp, type TestHerald } from '../helpers/test-herald';
import { waitFor } from '../helpers/wait';

const APP: TestApp = { id: 'races-app', key: 'races-key', secret: 'races-secret' };

describe('presence races', () => {
  let herald: TestHerald;
  const clients: PusherJs[] = [];
  const raws: RawClient[] = [];
  before(async () => {
    herald = await startTestHerald({ apps: [APP] });
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    for (const r of raws) r.close();
    await herald.stop();
  });

  const users = async (channel: string): Promise<string[]> => {
    const response = await serverSdk(herald, APP).get({ path: `/channels/${channel}/users` });
    return ((await response.json()) as { users: Array<{ id: string }> }).users.map((u) => u.id).sort();
  };

  /** Sends frames in one TCP write, so the server reads them in one go, before any join can complete. */
  function sendTogether(r: RawClient, frames: object[]): void {
    const tcp = (r.socket as unknown as { _socket: { cork(): void; uncork(): void } })._socket;
    tcp.cork();
    for (const frame of frames) r.send(frame);
    tcp.uncork();
  }

  async function observe(channel: string): Promise<{ presence: PresenceChannel; added: string[]; removed: string[] }> {
    const observer = await connectedClient(herald, APP, { user: { id: 'observer' } });
    clients.push(observer);
    const presence = await subscribedPresence(observer, channel);
    const added: string[] = [];
    const removed: string[] = [];
    presence.bind('pusher:member_added', (m: { id: string }) => added.push(m.id));
    presence.bind('pusher:member_removed', (m: { id: string }) => removed.push(m.id));
    return { presence, added, removed };
  }

  it('leaves no member behind when the socket unsubscribes before its join is answered', async () => {
    const channel = 'presence-race-unsubscribe';
    const { presence, added, removed } = await observe(channel);
    const raw = await rawClient(herald.port, APP.key);
    raws.push(raw);
    const sdk = serverSdk(herald, APP);
    const auth = sdk.authorizeChannel(raw.socketId, channel, { user_id: 'ghost' });
    sendTogether(raw, [
      { event: 'pusher:subscribe', data: { channel, ...auth } },
      { event: 'pusher:unsubscribe', data: { channel } },
    ]);
    // The same socket then joins another presence channel: joins reach presence in order, so
    // once this one is answered, the first one has been answered too.
    const marker = 'presence-race-marker';
    const markerAuth = sdk.authorizeChannel(raw.socketId, marker, { user_id: 'ghost' });
    assert.equal((await raw.subscribe(marker, markerAuth)).event, 'pusher_internal:subscription_succeeded');

    await waitFor(async () => (await users(channel)).join() === 'observer', `${channel} to list only the observer`);
    await waitFor(() => presence.members.count === 1, 'the observer to see only itself');
    assert.equal(presence.members.get('ghost'), null);
    assert.deepEqual(removed, added, 'whoever was announced was also removed');
    assert.ok(
      !raw.frames.some((f) => f.channel === channel && f.event === 'pusher_internal:subscription_succeeded'),
      'no subscription_succeeded for a channel the client already left',
    );
    // The marker subscription is untouched.
    assert.deepEqual(await users(marker), ['ghost']);
  });

  it('keeps the member when the socket unsubscribes and subscribes again while the first join is in flight', async () => {
    const channel = 'presence-race-resubscribe';
    const { presence } = await observe(channel);
    const raw = await rawClient(herald.port, APP.key);
    raws.push(raw);
    const auth = serverSdk(herald, APP).authorizeChannel(raw.socketId, channel, { user_id: 'comeback' });
    const from = raw.frames.length;
    sendTogether(raw, [
      { event: 'pusher:subscribe', data: { channel, ...auth } },
      { event: 'pusher:unsubscribe', data: { channel } },
      { event: 'pusher:subscribe', data: { channel, ...auth } },
    ]);
    await raw.next((f) => f.channel === channel && f.event === 'pusher_internal:subscription_succeeded', 'the second subscription', 5000, from);
    await waitFor(async () => (await users(channel)).join() === 'comeback,observer', `${channel} to list comeback`);
    await waitFor(() => presence.members.get('comeback') !== null, 'the observer to see comeback');
    // And the member leaves when the socket does.
    raw.close();
    await waitFor(async () => (await users(channel)).join() === 'observer', 'comeback to leave with its socket');
  });
});
