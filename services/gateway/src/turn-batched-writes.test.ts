import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Socket, connect } from 'node:net';
import { describe, it } from 'node:test';
import { PassThrough } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { TurnBatchedWrites } from './turn-batched-writes';

const LIMIT = 1024;

describe('TurnBatchedWrites', () => {
  it('holds a turn’s frames and sends them, in order, once the turn’s I/O is done', async () => {
    const writes = new TurnBatchedWrites();
    const a = new PassThrough();
    const b = new PassThrough();
    writes.write(a, Buffer.from('1'), LIMIT);
    writes.write(b, Buffer.from('x'), LIMIT);
    writes.write(a, Buffer.from('2'), LIMIT);
    writes.write(a, Buffer.from('3'), LIMIT);
    assert.equal(a.readableLength, 0, 'nothing leaves during the turn');
    assert.equal(b.readableLength, 0);
    await nextTurn();
    assert.equal(a.read()?.toString(), '123');
    assert.equal(b.read()?.toString(), 'x');
    assert.equal(a.writableCorked, 0);
    assert.equal(b.writableCorked, 0);
  });

  it('starts a new batch in the next turn', async () => {
    const writes = new TurnBatchedWrites();
    const a = new PassThrough();
    writes.write(a, Buffer.from('first'), LIMIT);
    await nextTurn();
    assert.equal(a.read()?.toString(), 'first');
    writes.write(a, Buffer.from('second'), LIMIT);
    assert.equal(a.readableLength, 0);
    await nextTurn();
    assert.equal(a.read()?.toString(), 'second');
  });

  it('refuses a stream whose unread backlog passed the limit, but not for frames of the same turn', async () => {
    const writes = new TurnBatchedWrites();
    const reader = new PassThrough({ highWaterMark: 16 });
    const big = Buffer.alloc(LIMIT * 2);
    assert.equal(writes.write(reader, big, LIMIT), true);
    assert.equal(writes.write(reader, big, LIMIT), true, 'this turn’s own frames are not backlog');
    await nextTurn();
    // Nobody reads `reader`: what it holds is backlog now.
    assert.ok(reader.writableLength > LIMIT);
    assert.equal(writes.write(reader, Buffer.from('more'), LIMIT), false);
    reader.resume();
    await nextTurn();
    assert.equal(reader.writableLength, 0);
    assert.equal(writes.write(reader, Buffer.from('more'), LIMIT), true, 'a reader that caught up is written to again');
  });

  it('puts several frames for one TCP socket into one writev', async () => {
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
    for (const text of ['a', 'b', 'c', 'd']) writes.write(serverSide, Buffer.from(text), LIMIT);
    await nextTurn();
    while (Buffer.concat(received).length < 4) await once(client, 'data');
    assert.deepEqual(writevBatches, [4]);
    assert.equal(Buffer.concat(received).toString(), 'abcd');
    client.destroy();
    serverSide.destroy();
    server.close();
  });
});
