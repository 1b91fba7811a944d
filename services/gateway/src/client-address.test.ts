import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clientAddressKey } from './client-address';

describe('clientAddressKey', () => {
  it('keeps an IPv4 address, and unwraps one mapped into IPv6', () => {
    assert.equal(clientAddressKey('203.0.113.9'), '203.0.113.9');
    assert.equal(clientAddressKey('::ffff:203.0.113.9'), '203.0.113.9');
    assert.equal(clientAddressKey('::FFFF:127.0.0.1'), '127.0.0.1');
  });

  it('counts an IPv6 address under its /64, however it is written', () => {
    assert.equal(clientAddressKey('2001:db8:1:2:aaaa:bbbb:cccc:dddd'), '2001:db8:1:2::/64');
    assert.equal(clientAddressKey('2001:0db8:0001:0002::1'), '2001:db8:1:2::/64');
    assert.equal(clientAddressKey('2001:db8::1'), '2001:db8:0:0::/64');
    assert.equal(clientAddressKey('2001:db8:0:0:ffff::'), '2001:db8:0:0::/64');
    assert.equal(clientAddressKey('::1'), '0:0:0:0::/64');
    assert.equal(clientAddressKey('fe80::1%eth0'), 'fe80:0:0:0::/64');
    assert.equal(clientAddressKey('64:ff9b::192.0.2.33'), '64:ff9b:0:0::/64');
    assert.notEqual(clientAddressKey('2001:db8:1:2::1'), clientAddressKey('2001:db8:1:3::1'));
  });

  it('leaves anything else as it is', () => {
    assert.equal(clientAddressKey(''), '');
    assert.equal(clientAddressKey('unknown'), 'unknown');
  });
});
