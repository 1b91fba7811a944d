import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import pino from 'pino';
import { LocalBus } from '../../core/src/bus/local-bus';
import { subjects } from '../../core/src/bus/subjects';
import { systemClock } from '../../core/src/clock';
import { PresenceLink } from './presence-link';
import { FakePresenceService } from './testing/fake-presence-service';

const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise(setImmediate);
};

describe('PresenceLink', () => {
  let bus: LocalBus;
  let service: FakePresenceService;
  let link: PresenceLink;
  beforeEach(() => {
    bus = new LocalBus((err) => {
      throw err;
    });
    service = new FakePresenceService(bus);
    link = new PresenceLink({ bus, gatewayId: 'gw-1', logger: pino({ level: 'silent' }), clock: systemClock, leaseIntervalMs: 60_000, leaseTtlMs: 15_000, requestTimeoutMs: 5 });
  });
  afterEach(async () => {
    link.stop();
    await bus.close();
  });

  it('takes a lease on start and answers presence’s sync requests with its whole state', async () => {
    link.start();
    link.reportCount('app-1', 'news', 2);
    await link.join('app-1', 'presence-room', '1.1', 'alice', '');
    await settle();
    assert.deepEqual(service.leases, [{ seq: 0, ttlMs: 15_000, released: false }]);
    bus.publish(subjects.gatewaySync('gw-1'), new Uint8Array());
    bus.publish(subjects.gatewaySyncAll, new Uint8Array());
    await settle();
    // The join's update carried the pending count too: one update, seq 1.
    assert.deepEqual(
      service.updates.map((u) => [u.seq, u.counts.length, u.joins.length]),
      [[1, 1, 1]],
    );
    assert.deepEqual(service.states, [
      { seq: 1, members: 1, counts: 1, signins: 0 },
      { seq: 1, members: 1, counts: 1, signins: 0 },
    ]);
  });

  it('coalesces what changed in one turn into one numbered update', async () => {
    link.reportCount('app-1', 'news', 1);
    link.reportCount('app-1', 'news', 2);
    link.reportCount('app-1', 'sport', 1);
    link.reportConnections('app-1', 3);
    await settle();
    link.reportCount('app-1', 'sport', 0);
    await settle();
    assert.deepEqual(
      service.updates.map((u) => ({ seq: u.seq, counts: u.counts, connections: u.connections, request: u.request })),
      [
        {
          seq: 1,
          counts: [
            { appId: 'app-1', channel: 'news', count: 2 },
            { appId: 'app-1', channel: 'sport', count: 1 },
          ],
          connections: [{ appId: 'app-1', count: 3 }],
          request: false,
        },
        { seq: 2, counts: [{ appId: 'app-1', channel: 'sport', count: 0 }], connections: [], request: false },
      ],
    );
    assert.deepEqual(link.stats(), { seq: 2, members: 0, channels: 1 }, 'a channel at 0 is forgotten');
  });

  it('sends a join as a request and returns the channel’s members as presence sees them', async () => {
    service.addMember('presence-room', { userId: 'bob', userInfo: '{"name":"Bob"}' });
    const outcome = await link.join('app-1', 'presence-room', '1.1', 'alice', '{"name":"Alice"}');
    assert.deepEqual(outcome, {
      ok: true,
      members: [
        { userId: 'bob', userInfo: '{"name":"Bob"}' },
        { userId: 'alice', userInfo: '{"name":"Alice"}' },
      ],
    });
    assert.deepEqual(
      service.updates.map((u) => [u.request, u.joins]),
      [[true, [{ appId: 'app-1', channel: 'presence-room', socketId: '1.1', userId: 'alice', userInfo: '{"name":"Alice"}' }]]],
    );
  });

  it('sends a leave for a member it joined, and nothing for one it did not', async () => {
    await link.join('app-1', 'presence-room', '1.1', 'alice', '');
    link.leave('app-1', 'presence-room', '1.1');
    link.leave('app-1', 'presence-room', '1.1');
    link.leave('app-1', 'presence-room', '9.9');
    await settle();
    assert.deepEqual(
      service.updates.map((u) => u.leaves),
      [[], [{ appId: 'app-1', channel: 'presence-room', socketId: '1.1' }]],
    );
    assert.equal(link.stats().members, 0);
  });

  it('returns presence’s refusal as a 403 and keeps no member', async () => {
    service.refusals.set('presence-room', 'Presence channel presence-room is full: it has the maximum of 100 members');
    const outcome = await link.join('app-1', 'presence-room', '1.1', 'alice', '');
    assert.deepEqual(outcome, { ok: false, reason: 'Presence channel presence-room is full: it has the maximum of 100 members', status: 403 });
    assert.equal(link.stats().members, 0);
    link.leave('app-1', 'presence-room', '1.1');
    await settle();
    assert.equal(service.updates.length, 1, 'no leave for a member presence never admitted');
  });

  it('retries a join nobody answers, then gives up with a 503 and undoes it', async () => {
    service.answering = false;
    const outcome = await link.join('app-1', 'presence-room', '1.1', 'alice', '');
    assert.deepEqual(outcome, { ok: false, reason: 'presence service unavailable (request to herald.presence.updates timed out after 5 ms)', status: 503 });
    await settle();
    assert.deepEqual(
      service.updates.map((u) => [u.seq, u.joins.length, u.leaves.length]),
      [
        [1, 1, 0],
        [2, 1, 0],
        [3, 1, 0],
        [4, 0, 1],
      ],
    );
    assert.equal(link.stats().members, 0);
  });

  it('queues a sign-in without a watchlist, asks for one with a watchlist, and signs out once', async () => {
    service.online.add('bob');
    assert.deepEqual(await link.signin('app-1', '1.1', 'alice', []), []);
    assert.deepEqual(await link.signin('app-1', '1.2', 'carol', ['bob', 'dave']), ['bob']);
    link.signout('app-1', '1.1');
    link.signout('app-1', '1.1');
    link.signout('app-1', '7.7');
    await settle();
    assert.deepEqual(
      service.updates.map((u) => ({ request: u.request, signins: u.signins.map((s) => s.userId), signouts: u.signouts })),
      [
        { request: true, signins: ['alice', 'carol'], signouts: [] },
        { request: false, signins: [], signouts: [{ appId: 'app-1', socketId: '1.1' }] },
      ],
    );
  });

  it('on release, sends what is pending and a released lease, then stops answering sync requests', async () => {
    link.start();
    link.reportCount('app-1', 'news', 1);
    link.release();
    link.release();
    await settle();
    assert.deepEqual(
      service.updates.map((u) => u.counts),
      [[{ appId: 'app-1', channel: 'news', count: 1 }]],
    );
    assert.deepEqual(service.leases.at(-1), { seq: 1, ttlMs: 15_000, released: true });
    assert.equal(service.leases.filter((l) => l.released).length, 1);
    bus.publish(subjects.gatewaySyncAll, new Uint8Array());
    await settle();
    assert.deepEqual(service.states, []);
  });
});
