import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { subjects } from '../../core/src/bus/subjects';
import { encodeEvent } from '../../core/src/codec/event-codec';
import { ManualClock } from '../../core/src/manual-clock';
import { LocalChannel } from './channel-registry';
import { fanOut } from './fanout';
import { ReplicatedEventFilter } from './replicated-event-filter';
import { TEST_APP, TestGateway } from './testing/test-gateway';

function channelWith(gateway: TestGateway, subscribers: number, name = 'news') {
  const channel = new LocalChannel(TEST_APP.id, name, subjects.channel(TEST_APP.id, name));
  const sockets = Array.from({ length: subscribers }, () => gateway.connect());
  for (const { connection } of sockets) channel.subscribers.add(connection);
  return { channel, sockets };
}

const event = (fields: Partial<Parameters<typeof encodeEvent>[0]> = {}) =>
  encodeEvent({ id: 'ev-1', appId: TEST_APP.id, channel: 'news', name: 'update', data: '{"a":1}', ...fields });

describe('fanOut', () => {
  it('writes one pre-framed Buffer, the same one, to every subscriber and counts them', () => {
    const gateway = new TestGateway();
    const { channel, sockets } = channelWith(gateway, 3);
    assert.equal(fanOut(channel, event(), new ReplicatedEventFilter(gateway.clock)), 3);
    for (const { transport } of sockets) {
      assert.deepEqual(
        transport.frames.map((f) => [f.via, f.text]),
        [['framed', '{"event":"update","channel":"news","data":"{\\"a\\":1}"}']],
      );
    }
    const [first, ...rest] = sockets.map(({ transport }) => transport.frames[0].bytes);
    for (const bytes of rest) assert.equal(bytes, first, 'framed once per event, not per socket');
  });

  it('skips the socket the event excludes (the publisher’s own socket_id)', () => {
    const gateway = new TestGateway();
    const { channel, sockets } = channelWith(gateway, 3);
    const [sender, ...others] = sockets;
    assert.equal(fanOut(channel, event({ excludeSocketId: sender.connection.socketId }), new ReplicatedEventFilter(gateway.clock)), 2);
    assert.deepEqual(sender.transport.frames, []);
    for (const { transport } of others) assert.equal(transport.frames.length, 1);
  });

  it('carries user_id for client events on presence channels', () => {
    const gateway = new TestGateway();
    const { channel, sockets } = channelWith(gateway, 1, 'presence-room');
    fanOut(channel, event({ channel: 'presence-room', name: 'client-typing', data: '{}', userId: 'alice' }), new ReplicatedEventFilter(gateway.clock));
    assert.deepEqual(sockets[0].transport.texts(), ['{"event":"client-typing","channel":"presence-room","data":"{}","user_id":"alice"}']);
  });

  it('cuts off a subscriber that is not reading (4100) and keeps delivering to the rest', () => {
    const gateway = new TestGateway({ maxBufferedBytes: 1000 });
    const { channel, sockets } = channelWith(gateway, 3);
    const [fast, slow, alsoFast] = sockets;
    slow.transport.bufferedAmount = 1001;
    assert.equal(fanOut(channel, event(), new ReplicatedEventFilter(gateway.clock)), 2);
    assert.deepEqual(slow.transport.texts(), ['{"event":"pusher:error","data":{"code":4100,"message":"Connection closed: the client is not reading its messages fast enough"}}']);
    assert.deepEqual(slow.transport.closes, [{ code: 4100, reason: 'Connection closed: the client is not reading its messages fast enough' }]);
    assert.deepEqual(gateway.slowConsumers, [slow.connection]);
    assert.equal(fast.transport.frames.length, 1);
    assert.equal(alsoFast.transport.frames.length, 1);

    assert.equal(fanOut(channel, event({ id: 'ev-2' }), new ReplicatedEventFilter(gateway.clock)), 2, 'a closed subscriber is not written to');
    assert.equal(slow.transport.frames.length, 1);
    assert.equal(gateway.slowConsumers.length, 1);
  });

  it('writes to a subscriber exactly at the limit', () => {
    const gateway = new TestGateway({ maxBufferedBytes: 1000 });
    const { channel, sockets } = channelWith(gateway, 1);
    sockets[0].transport.bufferedAmount = 1000;
    assert.equal(fanOut(channel, event(), new ReplicatedEventFilter(gateway.clock)), 1);
  });

  it('does not count a socket that is closing', () => {
    const gateway = new TestGateway();
    const { channel, sockets } = channelWith(gateway, 2);
    sockets[0].transport.open = false;
    assert.equal(fanOut(channel, event(), new ReplicatedEventFilter(gateway.clock)), 1);
    assert.deepEqual(sockets[0].transport.frames, []);
  });

  it('holds the frame for a subscriber whose cache replay is pending', () => {
    const gateway = new TestGateway();
    const { channel, sockets } = channelWith(gateway, 2, 'cache-news');
    const held: Buffer[] = [];
    channel.heldForReplay.set(sockets[1].connection, held);
    assert.equal(fanOut(channel, event({ channel: 'cache-news' }), new ReplicatedEventFilter(gateway.clock)), 1);
    assert.equal(held.length, 1);
    assert.equal(held[0], sockets[0].transport.frames[0].bytes);
    assert.deepEqual(sockets[1].transport.frames, []);
  });

  it('delivers a replicated event (one copy per presence replica) once', () => {
    const gateway = new TestGateway();
    const { channel, sockets } = channelWith(gateway, 1);
    const filter = new ReplicatedEventFilter(new ManualClock());
    const memberAdded = event({ id: 'member-1', name: 'pusher_internal:member_added', replicated: true });
    assert.equal(fanOut(channel, memberAdded, filter), 1);
    assert.equal(fanOut(channel, memberAdded, filter), 0);
    assert.equal(sockets[0].transport.frames.length, 1);
  });

  it('does not even decode an event for a channel without subscribers', () => {
    const gateway = new TestGateway();
    const { channel } = channelWith(gateway, 0);
    assert.equal(fanOut(channel, Uint8Array.of(0xff, 0xff, 0xff), new ReplicatedEventFilter(gateway.clock)), 0);
  });

  it('tells its observer once per event what it wrote: the app, the event, the sockets and the frame size', () => {
    const gateway = new TestGateway();
    const { channel, sockets } = channelWith(gateway, 3);
    const told: Array<[string, string, number, number]> = [];
    const observer = { delivered: (appId: string, e: { id: string }, count: number, bytes: number) => told.push([appId, e.id, count, bytes]) };
    fanOut(channel, event({ excludeSocketId: sockets[0].connection.socketId }), new ReplicatedEventFilter(gateway.clock), undefined, observer);
    const frameBytes = sockets[1].transport.frames[0].bytes?.length;
    assert.deepEqual(told, [[TEST_APP.id, 'ev-1', 2, frameBytes]]);
    for (const { connection } of sockets) connection.closed = true;
    fanOut(channel, event({ id: 'ev-2' }), new ReplicatedEventFilter(gateway.clock), undefined, observer);
    assert.equal(told.length, 1, 'not told of an event written to no socket');
  });
});
