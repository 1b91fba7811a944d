import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { signChannelAuth, signUserAuth, verifyChannelAuth, verifyUserAuth } from './socket-auth';

// The credentials of Pusher's worked examples (auth-signatures docs).
const app = { key: '278d425bdf160c739803', secret: '7ad3773142a6692b25b8' };
const PRESENCE_DATA = '{"user_id":10,"user_info":{"name":"Mr. Pusher"}}';

describe('channel auth signatures', () => {
  it("matches Pusher's worked private-channel example", () => {
    assert.equal(signChannelAuth(app, '1234.1234', 'private-foobar'), '278d425bdf160c739803:58df8b0c36d6982b82c3ecf6b4662e34fe8c25bba48f5369f135bf843651c3a4');
  });

  it("matches Pusher's worked presence-channel example, signing the channel_data string as given", () => {
    assert.equal(signChannelAuth(app, '1234.1234', 'presence-foobar', PRESENCE_DATA), '278d425bdf160c739803:afaed3695da2ffd16931f457e338e6c9f2921fa133ce7dac49f529792be6304c');
  });

  it('verifies a correct auth and rejects any change to socket, channel, data, key or secret', () => {
    const auth = signChannelAuth(app, '1234.1234', 'presence-foobar', PRESENCE_DATA);
    assert.equal(verifyChannelAuth(app, '1234.1234', 'presence-foobar', auth, PRESENCE_DATA), true);
    assert.equal(verifyChannelAuth(app, '1234.1235', 'presence-foobar', auth, PRESENCE_DATA), false);
    assert.equal(verifyChannelAuth(app, '1234.1234', 'presence-foobaz', auth, PRESENCE_DATA), false);
    // Same JSON meaning, different bytes: the signature covers the exact string.
    assert.equal(verifyChannelAuth(app, '1234.1234', 'presence-foobar', auth, '{"user_id": 10,"user_info":{"name":"Mr. Pusher"}}'), false);
    assert.equal(verifyChannelAuth(app, '1234.1234', 'presence-foobar', auth), false, 'channel_data left out');
    assert.equal(verifyChannelAuth({ ...app, key: 'other-key' }, '1234.1234', 'presence-foobar', auth, PRESENCE_DATA), false);
    assert.equal(verifyChannelAuth({ ...app, secret: 'other-secret' }, '1234.1234', 'presence-foobar', auth, PRESENCE_DATA), false);
  });

  it('rejects a private auth presented without the key prefix, or empty', () => {
    const auth = signChannelAuth(app, '1234.1234', 'private-foobar');
    assert.equal(verifyChannelAuth(app, '1234.1234', 'private-foobar', auth.slice(auth.indexOf(':') + 1)), false);
    assert.equal(verifyChannelAuth(app, '1234.1234', 'private-foobar', ''), false);
    assert.equal(verifyChannelAuth(app, '1234.1234', 'private-foobar', auth.toUpperCase()), false);
  });
});

describe('user auth signatures (pusher:signin)', () => {
  it("matches Pusher's worked user-authentication example", () => {
    assert.equal(signUserAuth(app, '1234.1234', '{"id":"12345"}'), '278d425bdf160c739803:4708d583dada6a56435fb8bc611c77c359a31eebde13337c16ab43aa6de336ba');
  });

  it('verifies the exact user_data and socket only', () => {
    const auth = signUserAuth(app, '1234.1234', '{"id":"12345"}');
    assert.equal(verifyUserAuth(app, '1234.1234', auth, '{"id":"12345"}'), true);
    assert.equal(verifyUserAuth(app, '1234.1234', auth, '{"id":"12346"}'), false);
    assert.equal(verifyUserAuth(app, '9999.1234', auth, '{"id":"12345"}'), false);
    // A channel auth for a channel named like the user string is not a user auth.
    assert.equal(verifyUserAuth(app, '1234.1234', signChannelAuth(app, '1234.1234', ':user', '{"id":"12345"}'), '{"id":"12345"}'), false);
  });
});
