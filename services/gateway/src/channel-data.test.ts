import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { appLimitsSchema } from '../../core/src/config/app-schema';
import { parseChannelData } from './channel-data';

const limits = appLimitsSchema.parse({});

describe('parseChannelData', () => {
  it('reads user_id and keeps user_info as a JSON string', () => {
    assert.deepEqual(parseChannelData('{"user_id":"alice","user_info":{"name":"Alice","tags":["a"]}}', limits), {
      ok: true,
      userId: 'alice',
      userInfo: '{"name":"Alice","tags":["a"]}',
    });
  });

  it("accepts a numeric user_id (as Pusher's own example sends) and turns it into a string", () => {
    assert.deepEqual(parseChannelData('{"user_id":10,"user_info":{"name":"Mr. Pusher"}}', limits), {
      ok: true,
      userId: '10',
      userInfo: '{"name":"Mr. Pusher"}',
    });
  });

  it('allows user_info to be left out', () => {
    assert.deepEqual(parseChannelData('{"user_id":"alice"}', limits), { ok: true, userId: 'alice', userInfo: '' });
  });

  for (const bad of ['not json', '[1,2]', 'null', '"alice"', '42']) {
    it(`refuses channel_data ${bad}: not a JSON object`, () => {
      assert.deepEqual(parseChannelData(bad, limits), { ok: false, error: 'channel_data must be a JSON object' });
    });
  }

  for (const bad of ['{}', '{"user_info":{}}', '{"user_id":null}', '{"user_id":true}', '{"user_id":{"id":1}}', '{"user_id":["a"]}']) {
    it(`refuses ${bad}: user_id is required`, () => {
      assert.deepEqual(parseChannelData(bad, limits), { ok: false, error: 'channel_data.user_id is required' });
    });
  }

  it('refuses an empty user_id', () => {
    assert.deepEqual(parseChannelData('{"user_id":""}', limits), { ok: false, error: 'channel_data.user_id must not be empty' });
  });

  it('allows a user_id of 128 characters and refuses 129', () => {
    assert.equal(parseChannelData(JSON.stringify({ user_id: 'u'.repeat(128) }), limits).ok, true);
    assert.deepEqual(parseChannelData(JSON.stringify({ user_id: 'u'.repeat(129) }), limits), {
      ok: false,
      error: 'user_id is 129 characters; the limit is 128',
    });
  });

  it('allows user_info of 1 KB and refuses one byte more, counting UTF-8 bytes', () => {
    // JSON of a string is the string plus two quotes.
    assert.equal(parseChannelData(JSON.stringify({ user_id: 'a', user_info: 'x'.repeat(1022) }), limits).ok, true);
    assert.deepEqual(parseChannelData(JSON.stringify({ user_id: 'a', user_info: 'x'.repeat(1023) }), limits), {
      ok: false,
      error: 'user_info is 1025 bytes; the limit is 1024',
    });
    assert.equal(parseChannelData(JSON.stringify({ user_id: 'a', user_info: 'é'.repeat(511) }), limits).ok, true);
    assert.deepEqual(
      parseChannelData(JSON.stringify({ user_id: 'a', user_info: 'é'.repeat(512) }), limits),
      {
        ok: false,
        error: 'user_info is 1026 bytes; the limit is 1024',
      },
      '514 characters but 1026 bytes',
    );
  });

  it("applies an app's own limits", () => {
    const tight = appLimitsSchema.parse({ maxUserIdLength: 4, maxPresenceUserInfoBytes: 10 });
    assert.equal(parseChannelData('{"user_id":"abcd","user_info":{"n":"12"}}', tight).ok, true, '10 bytes');
    assert.deepEqual(parseChannelData('{"user_id":"abcde"}', tight), { ok: false, error: 'user_id is 5 characters; the limit is 4' });
    assert.deepEqual(parseChannelData('{"user_id":"a","user_info":{"n":"123"}}', tight), {
      ok: false,
      error: 'user_info is 11 bytes; the limit is 10',
    });
  });
});
