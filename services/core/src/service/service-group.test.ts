import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ServiceGroup } from './service-group';
import type { HeraldService } from './service-lifecycle';

/** A service that records each call as "name.method", finishing it a turn later. */
function recordingService(name: string, calls: string[], fail: { start?: boolean; stop?: boolean } = {}): HeraldService {
  const step = (method: 'start' | 'drain' | 'stop') => async () => {
    calls.push(`${name}.${method}`);
    await new Promise((resolve) => setImmediate(resolve));
    if ((method === 'start' && fail.start) || (method === 'stop' && fail.stop)) throw new Error(`${name} ${method} failed`);
    calls.push(`${name}.${method} done`);
  };
  return { name, start: step('start'), drain: step('drain'), stop: step('stop') };
}

describe('ServiceGroup', () => {
  it('starts in the order given, each once the one before has started', async () => {
    const calls: string[] = [];
    await new ServiceGroup(['a', 'b', 'c'].map((n) => recordingService(n, calls))).start();
    assert.deepEqual(calls, ['a.start', 'a.start done', 'b.start', 'b.start done', 'c.start', 'c.start done']);
  });

  it('drains and stops in the reverse order, each once the one after it has finished', async () => {
    const calls: string[] = [];
    const group = new ServiceGroup(['a', 'b', 'c'].map((n) => recordingService(n, calls)));
    await group.drain();
    await group.stop();
    assert.deepEqual(calls, [
      'c.drain',
      'c.drain done',
      'b.drain',
      'b.drain done',
      'a.drain',
      'a.drain done',
      'c.stop',
      'c.stop done',
      'b.stop',
      'b.stop done',
      'a.stop',
      'a.stop done',
    ]);
  });

  it('does not start the services after one that fails to start', async () => {
    const calls: string[] = [];
    const group = new ServiceGroup([recordingService('a', calls), recordingService('b', calls, { start: true }), recordingService('c', calls)]);
    await assert.rejects(group.start(), /b start failed/);
    assert.deepEqual(calls, ['a.start', 'a.start done', 'b.start']);
  });

  it('stops every service when one fails to stop, then rejects with that failure', async () => {
    const calls: string[] = [];
    const group = new ServiceGroup([recordingService('a', calls), recordingService('b', calls, { stop: true }), recordingService('c', calls)]);
    await assert.rejects(group.stop(), /b stop failed/);
    assert.deepEqual(calls, ['c.stop', 'c.stop done', 'b.stop', 'a.stop', 'a.stop done']);
  });
});
