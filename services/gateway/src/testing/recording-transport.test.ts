import assert from 'node:assert/strict';
import { it } from 'node:test';
import { serverTextFrame } from '../../../core/src/protocol/websocket-frame';
import { transportContract } from '../transport-contract';
import { RecordingTransport } from './recording-transport';

transportContract('RecordingTransport', async () => {
  const transport = new RecordingTransport();
  return {
    transport,
    received: async () => ({ texts: transport.texts(), pings: transport.pings, close: transport.closes[0], terminated: transport.terminated }),
    cleanup: async () => undefined,
  };
});

it('RecordingTransport tells text frames from pre-framed ones and keeps the Buffer it was given', () => {
  const transport = new RecordingTransport();
  const frame = serverTextFrame('{"event":"e","channel":"c","data":"{}"}');
  transport.sendText('{"event":"pusher:pong","data":"{}"}');
  transport.sendFrame(frame);
  assert.deepEqual(
    transport.frames.map((f) => f.via),
    ['text', 'framed'],
  );
  assert.equal(transport.frames[1].bytes, frame);
  assert.deepEqual(transport.events(), ['pusher:pong', 'e']);
  assert.deepEqual(transport.json()[1], { event: 'e', channel: 'c', data: '{}' });
});
