import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import { type Duplex, PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { type BatchedWire, TurnBatchedWrites } from './turn-batched-writes';

const LIMIT = 1024;

function batched<T extends Duplex>(wire: T): BatchedWire & { readonly wire: T } {
  return { wire, lastWriteTurn: 0 };
}

describe('TurnBatchedWrites', () => {
  it('sends a socket’s first frame of a turn at once and the rest, in order, once the turn’s I/O is done', async () => {
    const writes = new TurnBatchedWrites();
    const a = batched(new PassThrough());
    const b = batched(new PassThrough());
    writes.write(a, Buffer.from('1'));
    writes.write(b, Buffer.from('x'));
    writes.write(a, Buffer.from('2'));
    writes.write(a, Buffer.from('3'));
    assert.equal(a.wire.read()?.toString(), '1', 'a lone frame does not wait for the loop over the others');
    assert.equal(b.wire.read()?.toString(), 'x');
    assert.equal(a.wire.readableLength, 0, 'later frames of the turn are held');
    await nextTurn();
    assert.equal(a.wire.read()?.toString(), '23');
    assert.equal(a.wire.writableCorked, 0);
    assert.equal(b.wire.writableCorked, 0);
  });

  it('after a turn with a burst, holds every frame of the next turn; after a quiet turn, none', async () => {
    const writes = new TurnBatchedWrites();
    const a = batched(new PassThrough());
    const b = batched(new PassThrough());
    writes.write(a, Buffer.from('1'));
    writes.write(a, Buffer.from('2'));
    await nextTurn();
    assert.equal(a.wire.read()?.toString(), '12');

    writes.write(b, Buffer.from('x'));
    assert.equal(b.wire.readableLength, 0, 'held: the previous turn had a burst');
    await nextTurn();
    assert.equal(b.wire.read()?.toString(), 'x');
    assert.equal(b.wire.writableCorked, 0);

    writes.write(b, Buffer.from('y'));
    assert.equal(b.wire.read()?.toString(), 'y', 'the previous turn was quiet: straight out');
  });

  it('counts a stream’s unread bytes as backlog, but not the frames of the same turn', async () => {
    const writes = new TurnBatchedWrites();
    const reader = batched(new PassThrough({ highWaterMark: 16 }));
    const big = Buffer.alloc(LIMIT * 2);
    assert.ok(writes.backlog(reader) <= LIMIT);
    writes.write(reader, big);
    assert.ok(writes.backlog(reader) <= LIMIT, 'this turn’s own frames are not backlog');
    writes.write(reader, big);
    await nextTurn();
    // Nobody reads `reader`: what it holds is backlog now.
    assert.ok(reader.wire.writableLength > LIMIT);
    assert.ok(writes.backlog(reader) > LIMIT);
    reader.wire.resume();
    await nextTurn();
    assert.equal(reader.wire.writableLength, 0);
    assert.ok(writes.backlog(reader) <= LIMIT, 'a reader that caught up is written to again');
  });

  it('puts the frames that follow a turn’s first into one writev on a TCP socket', async () => {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const accepted = once(server, 'connection') as Promise<[Socket]>;
    const client = connect((server.address() as { port: number }).port, '127.0.0.1');
    const [serverSide] = await accepted;
    await once(client, 'connect');

    type Writev = NonNullable<Socket['_writev']>;
    const writevBatches: number[] = [];
    const original = (serverSide._writev as Writev).bind(serverSide);
    serverSide._writev = (chunks: Parameters<Writev>[0], callback: Parameters<Writev>[1]) => {
      writevBatches.push(chunks.length);
      original(chunks, callback);
    };
    const received: Buffer[] = [];
    client.on('data', (chunk: Buffer) => received.push(chunk));

    const writes = new TurnBatchedWrites();
    const target = batched(serverSide);
    for (const text of ['a', 'b', 'c', 'd']) writes.write(target, Buffer.from(text));
    await nextTurn();
    // The next turn corks from the first frame (the previous one had a burst): one writev.
    for (const text of ['e', 'f']) writes.write(target, Buffer.from(text));
    await nextTurn();
    while (Buffer.concat(received).length < 6) await once(client, 'data');
    assert.deepEqual(writevBatches, [3, 2]);
    assert.equal(Buffer.concat(received).toString(), 'abcdef');
    client.destroy();
    serverSide.destroy();
    server.close();
  });
});
