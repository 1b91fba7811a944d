import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../core/src/manual-clock';
import { IpConnectionLimits } from './ip-connection-limits';

describe('IpConnectionLimits', () => {
  it('admits everything when both limits are 0, and tracks nothing', () => {
    const limits = new IpConnectionLimits({ maxConnectionsPerIp: 0, maxConnectionRatePerIp: 0 }, new ManualClock());
    for (let i = 0; i < 1000; i++) assert.equal(limits.admit('203.0.113.1'), null);
    assert.equal(limits.trackedAddresses(), 0);
  });

  it('refuses an address its next connection past the open-connection limit until one closes; other addresses are not affected', () => {
    const limits = new IpConnectionLimits({ maxConnectionsPerIp: 3, maxConnectionRatePerIp: 0 }, new ManualClock());
    for (let i = 0; i < 3; i++) assert.equal(limits.admit('203.0.113.1'), null);
    assert.equal(limits.admit('203.0.113.1'), 'ip_connections');
    assert.equal(limits.admit('203.0.113.2'), null);
    limits.release('203.0.113.1');
    assert.equal(limits.admit('203.0.113.1'), null);
    assert.equal(limits.admit('203.0.113.1'), 'ip_connections');
    for (let i = 0; i < 3; i++) limits.release('203.0.113.1');
    limits.release('203.0.113.2');
    assert.equal(limits.trackedAddresses(), 0, 'addresses with nothing open are forgotten');
    limits.release('203.0.113.9');
    assert.equal(limits.trackedAddresses(), 0, 'a release without an admit is ignored');
  });

  it('accepts at most the rate per address in a second, and again in the next second', () => {
    const clock = new ManualClock();
    const limits = new IpConnectionLimits({ maxConnectionsPerIp: 0, maxConnectionRatePerIp: 5 }, clock);
    const burst = (address: string) => Array.from({ length: 8 }, () => limits.admit(address));
    assert.deepEqual(burst('203.0.113.1'), [null, null, null, null, null, 'ip_rate', 'ip_rate', 'ip_rate']);
    assert.deepEqual(burst('203.0.113.2').filter((r) => r === null).length, 5, 'each address has its own rate');
    clock.advance(999);
    assert.equal(limits.admit('203.0.113.1'), 'ip_rate', 'still the same second');
    clock.advance(1);
    assert.deepEqual(burst('203.0.113.1').filter((r) => r === null).length, 5);
  });

  it('does not count a connection refused for the open limit against the rate', () => {
    const clock = new ManualClock();
    const limits = new IpConnectionLimits({ maxConnectionsPerIp: 1, maxConnectionRatePerIp: 2 }, clock);
    assert.equal(limits.admit('203.0.113.1'), null);
    assert.equal(limits.admit('203.0.113.1'), 'ip_connections');
    assert.equal(limits.admit('203.0.113.1'), 'ip_connections');
    limits.release('203.0.113.1');
    assert.equal(limits.admit('203.0.113.1'), null, 'the second accepted this second');
    limits.release('203.0.113.1');
    assert.equal(limits.admit('203.0.113.1'), 'ip_rate');
  });
});
