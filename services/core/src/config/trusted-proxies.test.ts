import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { trustedProxyProblem } from './trusted-proxies';

describe('trustedProxyProblem', () => {
  it('accepts addresses, CIDR ranges and proxy-addr’s named ranges', () => {
    for (const entry of ['10.0.0.7', '10.0.0.0/8', '0.0.0.0/0', '::1', 'fd00::/8', '::ffff:10.0.0.1', 'loopback', 'linklocal', 'uniquelocal']) {
      assert.equal(trustedProxyProblem(entry), null, entry);
    }
  });

  it('names what is wrong with anything else', () => {
    assert.match(trustedProxyProblem('ingress.local') ?? '', /"ingress.local" is not an IP address/);
    assert.match(trustedProxyProblem('10.0.0.0/33') ?? '', /prefix length must be 0 to 32/);
    assert.match(trustedProxyProblem('fd00::/129') ?? '', /prefix length must be 0 to 128/);
    assert.match(trustedProxyProblem('10.0.0.0/8/1') ?? '', /not an IP address/);
    assert.match(trustedProxyProblem('10.0.0.0/x') ?? '', /prefix length/);
  });
});
