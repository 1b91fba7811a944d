import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hmacSha256Hex, md5Hex, safeEqual } from './hmac';

describe('safeEqual', () => {
  it('is true only for identical strings', () => {
    assert.equal(safeEqual('abc123', 'abc123'), true);
    assert.equal(safeEqual('', ''), true);
    assert.equal(safeEqual('abc123', 'abc124'), false);
    assert.equal(safeEqual('abc123', 'Abc123'), false);
  });

  it('is false for different lengths, including a prefix and the empty string', () => {
    assert.equal(safeEqual('abc', 'abcd'), false);
    assert.equal(safeEqual('abcd', 'abc'), false);
    assert.equal(safeEqual('', 'a'), false);
  });

  it('compares UTF-8 bytes: characters of different byte length are unequal, without throwing', () => {
    assert.equal(safeEqual('é', 'e'), false);
    assert.equal(safeEqual('é', 'é'), true);
    assert.equal(safeEqual('e\u0301', 'é'), false, 'no Unicode normalisation');
  });
});

describe('digests', () => {
  it('computes hex HMAC-SHA256 and MD5 (RFC 4231 case 2, RFC 1321 vectors)', () => {
    assert.equal(hmacSha256Hex('Jefe', 'what do ya want for nothing?'), '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
    assert.equal(md5Hex(''), 'd41d8cd98f00b204e9800998ecf8427e');
    assert.equal(md5Hex('abc'), '900150983cd24fb0d6963f7d28e17f72');
  });
});
