import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { captureLogs } from '../../../test/helpers/log-capture';
import { ManualClock } from '../../core/src/manual-clock';
import { DeliveryFailureLog } from './delivery-failure-log';

describe('DeliveryFailureLog', () => {
  it('writes one line per receiver at its first failure and one summary per receiver per 10 s; dead-lettering per app likewise', () => {
    const clock = new ManualClock();
    const logs = captureLogs();
    const log = new DeliveryFailureLog(logs.logger, clock);
    const down = (url: string, i: number) => ({ appId: 'a', url, events: 20, reason: `${url}: fetch failed (${i})`, nextRetryInMs: 1000 + i });
    for (let i = 0; i < 500; i++) log.failed(down('http://a.test/hook', i));
    for (let i = 0; i < 50; i++) log.failed(down('http://b.test/hook', i));
    for (let i = 0; i < 30; i++) log.deadLettered({ appId: 'a', attempts: 9, reason: `http://a.test/hook answered 503 (${i})` });
    assert.deepEqual(
      logs.lines.map((l) => l.msg),
      [
        'webhook delivery failed: http://a.test/hook: fetch failed (0); next retry in 1000 ms',
        'webhook delivery failed: http://b.test/hook: fetch failed (0); next retry in 1000 ms',
        'webhook retries exhausted after 9 attempts; dead-lettered: http://a.test/hook answered 503 (0)',
      ],
    );
    clock.advance(10_000);
    assert.deepEqual(
      logs.lines.slice(3).map((l) => [l.level, l.msg]),
      [
        [40, '499 webhook deliveries failed in the last 10 s, last error: http://a.test/hook: fetch failed (499); next retry in 1499 ms'],
        [40, '49 webhook deliveries failed in the last 10 s, last error: http://b.test/hook: fetch failed (49); next retry in 1049 ms'],
        [50, '29 webhook events dead-lettered in the last 10 s (retries exhausted), last reason: http://a.test/hook answered 503 (29)'],
      ],
    );
    assert.equal(logs.lines[3].url, 'http://a.test/hook');
    assert.equal(logs.lines[3].failedDeliveries, 499);
    log.failed({ ...down('http://a.test/hook', 1), nextRetryInMs: undefined });
    log.close();
    assert.match(logs.lines.at(-1)?.msg ?? '', /^1 webhook deliveries failed in the last 10 s, .*; no retry \(dead-lettered\)$/);
    assert.equal(clock.pendingTimers(), 0);
  });
});
