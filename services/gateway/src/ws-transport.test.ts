import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { describe, it } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import websocket from '@fastify/websocket';
import Fastify from 'fastify';
import { WebSocket, WebSocketServer } from 'ws';
import { serverTextFrame } from '../../core/src/protocol/websocket-frame';
import { type Received, transportContract } from './transport-contract';
import { TurnBatchedWrites } from './turn-batched-writes';
import { WsTransport } from './ws-transport';

/** A ws server socket on loopback, as the gateway runs it (no compression), and a ws client. */
async function connectedPair() {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await once(server, 'listening');
  const accepted = once(server, 'connection') as Promise<[WebSocket, IncomingMessage]>;
  const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`, { perMessageDeflate: false });
  const [[socket, request]] = await Promise.all([accepted, once(client, 'open')]);
  const wire = request.socket as Socket;
  const transport = new WsTransport(socket, wire, new TurnBatchedWrites());
  const cleanup = async () => {
    client.terminate();
    socket.terminate();
    await new Promise((resolve) => server.close(resolve));
  };
  return { transport, client, wire, cleanup };
}

transportContract('WsTransport', async () => {
  const { transport, client, cleanup } = await connectedPair();
  const texts: string[] = [];
  let pings = 0;
  client.on('message', (data: Buffer, isBinary: boolean) => texts.push(isBinary ? `binary:${data.length}` : data.toString('utf8')));
  client.on('ping', () => (pings += 1));
  const ended = once(client, 'close') as Promise<[number, Buffer]>;
  const received = async (): Promise<Received> => {
    const [code, reason] = await ended;
    // 1006: the connection ended without a close frame.
    if (code === 1006) return { texts, pings, terminated: true };
    return { texts, pings, close: { code, reason: reason.toString('utf8') }, terminated: false };
  };
  return { transport, received, cleanup };
});

describe('WsTransport', () => {
  it('writes a pre-framed Buffer to the stream as it is, and a text as one complete frame', async () => {
    const { transport, wire, cleanup } = await connectedPair();
    const written: unknown[] = [];
    const write = wire.write.bind(wire);
    wire.write = ((chunk: Buffer, ...rest: never[]) => {
      written.push(chunk);
      return write(chunk, ...rest);
    }) as typeof wire.write;
    const frame = serverTextFrame('{"event":"e","channel":"c","data":"{}"}');
    transport.sendFrame(frame);
    transport.sendText('{"event":"pusher:pong","data":"{}"}');
    assert.equal(written[0], frame, 'the same Buffer: no copy, no framing per socket');
    assert.deepEqual(written[1], serverTextFrame('{"event":"pusher:pong","data":"{}"}'));
    assert.equal(written.length, 2);
    await cleanup();
  });

  it('counts what the client has not read as buffered, except the frames of the current turn', async () => {
    const { transport, client, wire, cleanup } = await connectedPair();
    client.pause();
    const frame = serverTextFrame('x'.repeat(64 * 1024));
    // More than loopback's kernel buffers take, so that the stream itself holds some.
    for (let i = 0; i < 256; i++) transport.sendFrame(frame);
    assert.equal(transport.bufferedAmount, 0, 'this turn’s own frames are not backlog');
    await nextTurn();
    assert.ok(wire.writableLength > 0);
    assert.equal(transport.bufferedAmount, wire.writableLength);
    client.resume();
    while (wire.writableLength > 0) await once(wire, 'drain');
    assert.equal(transport.bufferedAmount, 0);
    await cleanup();
  });

  it('writes nothing once the socket is closing', async () => {
    const { transport, wire, cleanup } = await connectedPair();
    transport.close(1000, 'bye');
    const before = wire.bytesWritten;
    transport.sendText('late');
    transport.sendFrame(serverTextFrame('late'));
    transport.ping();
    assert.equal(wire.bytesWritten, before);
    await cleanup();
  });

  it('adopting a socket from @fastify/websocket lets go of its stand-in response and error listener', async () => {
    const app = Fastify();
    await app.register(websocket, { options: { perMessageDeflate: false } });
    const adopted = new Promise<{ httpMessage: unknown; errorListeners: number; open: boolean }>((resolve) => {
      app.get('/ws', { websocket: true }, (socket, request) => {
        const tcp = request.raw.socket as Socket & { _httpMessage?: unknown };
        assert.ok(tcp._httpMessage, 'the plugin assigned a ServerResponse (if not, this reach-in can go)');
        const transport = WsTransport.adopt(socket, request, new TurnBatchedWrites());
        resolve({ httpMessage: tcp._httpMessage, errorListeners: socket.listenerCount('error'), open: transport.open });
        socket.on('error', () => undefined);
      });
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const client = new WebSocket(`ws://127.0.0.1:${(app.server.address() as AddressInfo).port}/ws`);
    await once(client, 'open');
    assert.deepEqual(await adopted, { httpMessage: null, errorListeners: 0, open: true });
    client.terminate();
    await app.close();
  });
});
