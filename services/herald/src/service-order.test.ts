import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ServiceGroup } from '../../core/src/service/service-group';
import type { HeraldService } from '../../core/src/service/service-lifecycle';
import { inStartOrder } from './service-order';

function recordingService(name: string, calls: string[]): HeraldService {
  return {
    name,
    start: async () => void calls.push(`start ${name}`),
    drain: async () => void calls.push(`drain ${name}`),
    stop: async () => void calls.push(`stop ${name}`),
  };
}

describe('a node’s services', () => {
  it('start webhooks, presence, api, gateway; drain all, gateway first; then stop in that order', async () => {
    const calls: string[] = [];
    const [gateway, api, presence, webhooks] = ['gateway', 'api', 'presence', 'webhooks'].map((n) => recordingService(n, calls));
    const group = new ServiceGroup(inStartOrder({ gateway, api, presence, webhooks }));
    await group.start();
    await group.drain();
    await group.stop();
    assert.deepEqual(calls, [
      'start webhooks',
      'start presence',
      'start api',
      'start gateway',
      'drain gateway',
      'drain api',
      'drain presence',
      'drain webhooks',
      'stop gateway',
      'stop api',
      'stop presence',
      'stop webhooks',
    ]);
  });

  it('leave out the roles the node does not run, in the same order', () => {
    const calls: string[] = [];
    const gateway = recordingService('gateway', calls);
    const webhooks = recordingService('webhooks', calls);
    assert.deepEqual(
      inStartOrder({ gateway, webhooks }).map((s) => s.name),
      ['webhooks', 'gateway'],
    );
    assert.deepEqual(
      inStartOrder({ presence: recordingService('presence', calls) }).map((s) => s.name),
      ['presence'],
    );
    assert.deepEqual(inStartOrder({}), []);
  });
});
