/**
 * HTTP keep-alive: publishers (the pusher SDK with a keep-alive agent, load balancers) reuse
 * connections across quiet spells. One left idle past Node's 5 s default must still be open
 * and serve the next request, or a publish sent as the server closes it fails with ECONNRESET.
 * This test waits real time: the idle timer is Node's http server's own, out of a clock's reach.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_HTTP_KEEP_ALIVE_TIMEOUT_MS as HTTP_KEEP_ALIVE_TIMEOUT_MS } from '../../services/core/src/config/server-schema';
import { startTestHerald, type TestHerald } from '../helpers/test-herald';

const NODE_DEFAULT_KEEP_ALIVE_MS = 5000;

/** Sends one HTTP/1.1 request on `socket` and resolves with the status line of the answer. */
async function statusLine(socket: Socket, path: string): Promise<string> {
  const answer = new Promise<string>((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer) => {
      text += chunk.toString('latin1');
      const headEnd = text.indexOf('\r\n\r\n');
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(text);
      if (headEnd < 0 || !length || text.length < headEnd + 4 + Number(length[1])) return;
      socket.off('data', onData);
      socket.off('close', onClose);
      resolve(text.slice(0, text.indexOf('\r\n')));
    };
    const onClose = () => reject(new Error('the server closed the keep-alive connection'));
    socket.on('data', onData);
    socket.once('close', onClose);
  });
  socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n`);
  return answer;
}

describe('HTTP keep-alive', () => {
  let herald: TestHerald;
  before(async () => {
    herald = await startTestHerald();
  });
  after(() => herald.stop());

  it('keeps an idle connection open past Node’s 5 s default and serves the next request on it', async () => {
    assert.ok(HTTP_KEEP_ALIVE_TIMEOUT_MS > NODE_DEFAULT_KEEP_ALIVE_MS);
    const socket = connect(herald.port, '127.0.0.1');
    await once(socket, 'connect');
    try {
      assert.equal(await statusLine(socket, '/healthz'), 'HTTP/1.1 200 OK');
      await sleep(NODE_DEFAULT_KEEP_ALIVE_MS + 1000);
      assert.equal(socket.destroyed, false, 'still open after the idle spell');
      assert.equal(await statusLine(socket, '/healthz'), 'HTTP/1.1 200 OK');
    } finally {
      socket.destroy();
    }
  });
});
