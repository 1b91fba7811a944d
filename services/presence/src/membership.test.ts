import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type MemberEntry, Membership, type MembershipChange } from './membership';

const APP = 'app-1';
const CHANNEL = 'presence-room';

function member(socketId: string, userId: string, channel = CHANNEL, userInfo = `{"name":"${userId}"}`): MemberEntry {
  return { appId: APP, channel, socketId, userId, userInfo };
}

/** Runs one mutation and returns the changes it reported. */
function changesOf(mutate: (changes: MembershipChange[]) => void): MembershipChange[] {
  const changes: MembershipChange[] = [];
  mutate(changes);
  return changes;
}

const added = (userId: string, socketId: string, channel = CHANNEL): MembershipChange => ({
  kind: 'member_added',
  appId: APP,
  channel,
  userId,
  userInfo: `{"name":"${userId}"}`,
  socketId,
});
const removed = (userId: string, channel = CHANNEL): MembershipChange => ({ kind: 'member_removed', appId: APP, channel, userId });
const occupied = (channel = CHANNEL): MembershipChange => ({ kind: 'occupied', appId: APP, channel });
const vacated = (channel = CHANNEL): MembershipChange => ({ kind: 'vacated', appId: APP, channel });
const count = (n: number, channel = CHANNEL): MembershipChange => ({ kind: 'subscription_count', appId: APP, channel, count: n });

function users(m: Membership, channel = CHANNEL): string[] {
  return [...(m.channel(APP, channel)?.users.keys() ?? [])].sort();
}

describe('Membership: presence members', () => {
  it('counts a user with two sockets once: member_added on the first, member_removed after the last', () => {
    const m = new Membership();
    assert.deepEqual(
      changesOf((c) => m.join('gw-a', member('1.1', 'alice'), c)),
      [added('alice', '1.1')],
    );
    assert.deepEqual(
      changesOf((c) => m.join('gw-a', member('1.2', 'alice'), c)),
      [],
    );
    assert.deepEqual(users(m), ['alice']);
    assert.deepEqual(
      changesOf((c) => m.leave('gw-a', APP, CHANNEL, '1.1', c)),
      [],
    );
    assert.deepEqual(users(m), ['alice'], 'still there through the second socket');
    assert.deepEqual(
      changesOf((c) => m.leave('gw-a', APP, CHANNEL, '1.2', c)),
      [removed('alice')],
    );
    assert.equal(m.channel(APP, CHANNEL), undefined, 'an empty channel is dropped');
  });

  it('counts a user once across two gateways', () => {
    const m = new Membership();
    assert.deepEqual(
      changesOf((c) => m.join('gw-a', member('1.1', 'alice'), c)),
      [added('alice', '1.1')],
    );
    assert.deepEqual(
      changesOf((c) => m.join('gw-b', member('2.1', 'alice'), c)),
      [],
    );
    assert.deepEqual(
      changesOf((c) => m.join('gw-b', member('2.2', 'bob'), c)),
      [added('bob', '2.2')],
    );
    assert.deepEqual(users(m), ['alice', 'bob']);
    assert.deepEqual(
      changesOf((c) => m.leave('gw-a', APP, CHANNEL, '1.1', c)),
      [],
    );
    assert.deepEqual(
      changesOf((c) => m.leave('gw-b', APP, CHANNEL, '2.1', c)),
      [removed('alice')],
    );
    assert.deepEqual(users(m), ['bob']);
  });

  it('ignores a repeated join and a leave of an unknown socket, so the totals cannot drift', () => {
    const m = new Membership();
    m.join('gw-a', member('1.1', 'alice'), []);
    assert.deepEqual(
      changesOf((c) => m.join('gw-a', member('1.1', 'alice'), c)),
      [],
    );
    assert.deepEqual(
      changesOf((c) => m.leave('gw-a', APP, CHANNEL, '9.9', c)),
      [],
    );
    assert.deepEqual(
      changesOf((c) => m.leave('gw-b', APP, CHANNEL, '1.1', c)),
      [],
      'another gateway cannot remove it',
    );
    assert.deepEqual(
      changesOf((c) => m.leave('gw-a', APP, CHANNEL, '1.1', c)),
      [removed('alice')],
      'one leave undoes the repeated join',
    );
    assert.deepEqual(
      changesOf((c) => m.leave('gw-a', APP, CHANNEL, '1.1', c)),
      [],
      'a repeated leave is ignored',
    );
  });

  it('treats a socket that joins again as another user as leaving first', () => {
    const m = new Membership();
    m.join('gw-a', member('1.1', 'alice'), []);
    assert.deepEqual(
      changesOf((c) => m.join('gw-a', member('1.1', 'bob'), c)),
      [removed('alice'), added('bob', '1.1')],
    );
    assert.deepEqual(users(m), ['bob']);
  });

  it('keeps channels and apps apart', () => {
    const m = new Membership();
    m.join('gw-a', member('1.1', 'alice', 'presence-one'), []);
    assert.deepEqual(
      changesOf((c) => m.join('gw-a', member('1.1', 'alice', 'presence-two'), c)),
      [added('alice', '1.1', 'presence-two')],
    );
    assert.deepEqual(
      changesOf((c) => m.join('gw-a', { ...member('1.1', 'alice', 'presence-one'), appId: 'app-2' }, c)).map((x) => x.kind),
      ['member_added'],
    );
    assert.deepEqual(
      changesOf((c) => m.leave('gw-a', APP, 'presence-one', '1.1', c)),
      [removed('alice', 'presence-one')],
    );
    assert.deepEqual(users(m, 'presence-two'), ['alice']);
  });

  it('wouldExceed: only a new user joining a full channel exceeds the limit', () => {
    const m = new Membership();
    assert.equal(m.wouldExceed(member('1.1', 'alice'), 2), false, 'an empty channel');
    m.join('gw-a', member('1.1', 'alice'), []);
    assert.equal(m.wouldExceed(member('1.2', 'bob'), 2), false, 'one of two places taken');
    m.join('gw-b', member('2.1', 'bob'), []);
    assert.equal(m.wouldExceed(member('1.3', 'carol'), 2), true, 'full');
    assert.equal(m.wouldExceed(member('1.4', 'alice'), 2), false, 'a member already present opens another socket');
    assert.equal(m.wouldExceed(member('1.5', 'carol', 'presence-other'), 2), false, 'another channel');
    m.leave('gw-b', APP, CHANNEL, '2.1', []);
    assert.equal(m.wouldExceed(member('1.3', 'carol'), 2), false, 'a place freed');
  });
});

describe('Membership: subscription counts', () => {
  it('reports occupied on the first subscriber anywhere and vacated when the total reaches zero', () => {
    const m = new Membership();
    assert.deepEqual(
      changesOf((c) => m.setCount('gw-a', APP, 'news', 2, c)),
      [occupied('news'), count(2, 'news')],
    );
    assert.deepEqual(
      changesOf((c) => m.setCount('gw-b', APP, 'news', 3, c)),
      [count(5, 'news')],
    );
    assert.equal(m.channel(APP, 'news')?.subscriptionCount, 5);
    assert.deepEqual(
      changesOf((c) => m.setCount('gw-a', APP, 'news', 0, c)),
      [count(3, 'news')],
    );
    assert.deepEqual(
      changesOf((c) => m.setCount('gw-b', APP, 'news', 0, c)),
      [count(0, 'news'), vacated('news')],
    );
    assert.equal(m.channel(APP, 'news'), undefined);
    assert.deepEqual(
      changesOf((c) => m.setCount('gw-b', APP, 'news', 1, c)),
      [occupied('news'), count(1, 'news')],
      'occupied again',
    );
  });

  it('treats counts as absolute: repeating one changes nothing', () => {
    const m = new Membership();
    m.setCount('gw-a', APP, 'news', 4, []);
    assert.deepEqual(
      changesOf((c) => m.setCount('gw-a', APP, 'news', 4, c)),
      [],
    );
    assert.deepEqual(
      changesOf((c) => m.setCount('gw-a', APP, 'news', 1, c)),
      [count(1, 'news')],
    );
    assert.deepEqual(
      changesOf((c) => m.setCount('gw-x', APP, 'news', 0, c)),
      [],
      'zero from a gateway that had nothing',
    );
  });

  it('lists occupied channels of an app by prefix', () => {
    const m = new Membership();
    m.setCount('gw-a', APP, 'presence-a', 1, []);
    m.setCount('gw-a', APP, 'presence-b', 2, []);
    m.setCount('gw-b', APP, 'news', 1, []);
    m.setCount('gw-b', 'app-2', 'presence-c', 1, []);
    m.setCount('gw-b', APP, 'presence-gone', 1, []);
    m.setCount('gw-b', APP, 'presence-gone', 0, []);
    assert.deepEqual([...m.channelsOf(APP, 'presence-')].map((t) => [t.channel, t.subscriptionCount]).sort(), [
      ['presence-a', 1],
      ['presence-b', 2],
    ]);
    assert.deepEqual([...m.channelsOf(APP, '')].map((t) => t.channel).sort(), ['news', 'presence-a', 'presence-b']);
  });

  it('sums connections per app across gateways', () => {
    const m = new Membership();
    m.setConnections('gw-a', APP, 3);
    m.setConnections('gw-b', APP, 4);
    m.setConnections('gw-b', 'app-2', 1);
    assert.equal(m.connections(APP), 7);
    m.setConnections('gw-a', APP, 1);
    assert.equal(m.connections(APP), 5);
    m.setConnections('gw-a', APP, 1);
    assert.equal(m.connections(APP), 5, 'absolute, so a repeat changes nothing');
    assert.equal(m.connections('app-2'), 1);
    assert.equal(m.connections('nobody'), 0);
  });
});

describe('Membership: gateways coming and going', () => {
  it('removeGateway: everything the gateway held leaves; what others hold stays', () => {
    const m = new Membership();
    m.join('gw-a', member('1.1', 'alice'), []);
    m.join('gw-a', member('1.2', 'carol'), []);
    m.join('gw-b', member('2.1', 'carol'), []);
    m.setCount('gw-a', APP, CHANNEL, 2, []);
    m.setCount('gw-b', APP, CHANNEL, 1, []);
    m.setCount('gw-a', APP, 'news', 5, []);
    m.setConnections('gw-a', APP, 2);
    m.setConnections('gw-b', APP, 1);

    const changes = changesOf((c) => m.removeGateway('gw-a', c));
    assert.deepEqual(
      changes.filter((c) => c.kind === 'member_removed'),
      [removed('alice')],
      'carol still has a socket on gw-b',
    );
    assert.ok(changes.some((c) => c.kind === 'vacated' && c.channel === 'news'));
    assert.ok(!changes.some((c) => c.kind === 'vacated' && c.channel === CHANNEL), 'the presence channel still has gw-b');
    assert.deepEqual(
      changes.filter((c) => c.kind === 'subscription_count' && c.channel === CHANNEL),
      [count(1)],
    );
    assert.deepEqual(users(m), ['carol']);
    assert.equal(m.connections(APP), 1);
    assert.deepEqual(m.gatewayIds(), ['gw-b']);
    assert.deepEqual(
      changesOf((c) => m.removeGateway('gw-a', c)),
      [],
      'removing it twice does nothing',
    );
  });

  it('replaceGateway: applying the same snapshot twice changes nothing the second time', () => {
    const m = new Membership();
    const snapshot = {
      counts: [
        { appId: APP, channel: CHANNEL, count: 2 },
        { appId: APP, channel: 'news', count: 1 },
      ],
      members: [member('1.1', 'alice'), member('1.2', 'bob')],
      connections: [{ appId: APP, count: 2 }],
    };
    const first = changesOf((c) => m.replaceGateway('gw-a', 7, snapshot.counts, snapshot.members, snapshot.connections, c));
    assert.deepEqual(
      first
        .filter((c) => c.kind === 'member_added')
        .map((c) => (c as { userId: string }).userId)
        .sort(),
      ['alice', 'bob'],
    );
    assert.deepEqual(
      first
        .filter((c) => c.kind === 'occupied')
        .map((c) => c.channel)
        .sort(),
      ['news', CHANNEL].sort(),
    );
    assert.equal(m.gateway('gw-a')?.seq, 7);

    assert.deepEqual(
      changesOf((c) => m.replaceGateway('gw-a', 8, snapshot.counts, snapshot.members, snapshot.connections, c)),
      [],
    );
    assert.deepEqual(users(m), ['alice', 'bob']);
    assert.equal(m.channel(APP, CHANNEL)?.subscriptionCount, 2);
    assert.equal(m.connections(APP), 2);
    assert.equal(m.gateway('gw-a')?.seq, 8);
  });

  it('replaceGateway: reports exactly the differences from what the gateway held', () => {
    const m = new Membership();
    m.join('gw-a', member('1.1', 'alice'), []);
    m.join('gw-a', member('1.2', 'bob'), []);
    m.join('gw-b', member('2.1', 'dave'), []);
    m.setCount('gw-a', APP, CHANNEL, 2, []);
    m.setCount('gw-a', APP, 'news', 1, []);
    m.setCount('gw-b', APP, CHANNEL, 1, []);
    m.setConnections('gw-a', APP, 2);
    m.setConnections('gw-a', 'app-2', 1);

    // gw-a now: bob left, carol joined, alice's socket 1.3 is someone else, news is empty.
    const changes = changesOf((c) =>
      m.replaceGateway('gw-a', 2, [{ appId: APP, channel: CHANNEL, count: 3 }], [member('1.1', 'alice'), member('1.3', 'carol')], [{ appId: APP, count: 3 }], c),
    );
    assert.deepEqual(changes, [removed('bob'), added('carol', '1.3'), count(0, 'news'), vacated('news'), count(4)]);
    assert.deepEqual(users(m), ['alice', 'carol', 'dave'], "gw-b's dave is untouched");
    assert.equal(m.connections(APP), 3);
    assert.equal(m.connections('app-2'), 0, 'an app missing from the snapshot has no connections left');
  });

  it('replaceGateway: a socket now carrying another user is a leave and a join', () => {
    const m = new Membership();
    m.join('gw-a', member('1.1', 'alice'), []);
    const changes = changesOf((c) => m.replaceGateway('gw-a', 1, [], [member('1.1', 'bob')], [], c));
    assert.deepEqual(changes, [removed('alice'), added('bob', '1.1')]);
  });
});
