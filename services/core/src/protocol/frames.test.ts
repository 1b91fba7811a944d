import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProtocolError } from './errors';
import {
  cacheMissFrame,
  channelEventFrame,
  connectionEstablishedFrame,
  errorFrame,
  frameDataObject,
  parseClientFrame,
  pingFrame,
  pongFrame,
  signinSuccessFrame,
  subscriptionErrorFrame,
  subscriptionSucceededFrame,
  userEventFrame,
  watchlistEventsFrame,
} from './frames';

/** Asserts `fn` throws a frame-level ProtocolError (code null) whose message matches. */
function assertInvalidFrame(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ProtocolError, `expected a ProtocolError, got ${String(err)}`);
    assert.equal(err.code, null);
    assert.match(err.message, message);
    return true;
  });
}

describe('parseClientFrame', () => {
  for (const text of ['not json', '{"event":', '', '{event:"x"}']) {
    it(`refuses ${JSON.stringify(text)} as invalid JSON`, () => assertInvalidFrame(() => parseClientFrame(text), /Invalid JSON/));
  }

  for (const text of ['[]', '[{"event":"pusher:ping"}]', '"pusher:ping"', '42', 'null', 'true']) {
    it(`refuses the non-object ${text}`, () => assertInvalidFrame(() => parseClientFrame(text), /expected a JSON object/));
  }

  for (const text of ['{}', '{"data":{}}', '{"event":""}', '{"event":5}', '{"event":null}', '{"event":{"name":"x"}}']) {
    it(`refuses ${text}: event must be a non-empty string`, () => assertInvalidFrame(() => parseClientFrame(text), /"event" must be a non-empty string/));
  }

  it('refuses a channel that is not a string', () => {
    assertInvalidFrame(() => parseClientFrame('{"event":"client-x","channel":5,"data":{}}'), /"channel" must be a string/);
  });

  it('reads a pusher:subscribe frame with object data', () => {
    assert.deepEqual(parseClientFrame('{"event":"pusher:subscribe","data":{"channel":"private-a","auth":"k:s"}}'), {
      event: 'pusher:subscribe',
      channel: undefined,
      data: { channel: 'private-a', auth: 'k:s' },
    });
  });

  it('accepts the data of a pusher:* event double-encoded, as some clients send it', () => {
    assert.deepEqual(parseClientFrame(JSON.stringify({ event: 'pusher:subscribe', data: JSON.stringify({ channel: 'news' }) })).data, { channel: 'news' });
  });

  it('leaves double-encoded-looking data of a pusher:* event as a string when it is not JSON', () => {
    assert.equal(parseClientFrame('{"event":"pusher:subscribe","data":"{not json"}').data, '{not json');
  });

  it('passes client event data through untouched, strings included', () => {
    const frame = parseClientFrame('{"event":"client-typing","channel":"private-chat","data":"{\\"a\\":1}"}');
    assert.deepEqual(frame, { event: 'client-typing', channel: 'private-chat', data: '{"a":1}' });
    assert.deepEqual(parseClientFrame('{"event":"client-n","channel":"private-chat","data":[1,2]}').data, [1, 2]);
  });

  it('gives pusher:ping without data', () => {
    assert.deepEqual(parseClientFrame('{"event":"pusher:ping"}'), { event: 'pusher:ping', channel: undefined, data: undefined });
  });
});

describe('frameDataObject', () => {
  it('returns the data object, and names the event when data is not one', () => {
    assert.deepEqual(frameDataObject({ event: 'pusher:subscribe', data: { channel: 'a' } }), { channel: 'a' });
    for (const data of [undefined, null, 'news', 5, ['news']]) {
      assertInvalidFrame(() => frameDataObject({ event: 'pusher:subscribe', data }), /Invalid pusher:subscribe: "data" must be an object/);
    }
  });
});

describe('server frames: the exact wire JSON', () => {
  it('pusher:connection_established carries its data as a JSON string', () => {
    assert.equal(connectionEstablishedFrame('123.456', 120), '{"event":"pusher:connection_established","data":"{\\"socket_id\\":\\"123.456\\",\\"activity_timeout\\":120}"}');
  });

  it('pusher:error carries an object with code and message (not double-encoded)', () => {
    assert.equal(errorFrame(4001, 'Application does not exist'), '{"event":"pusher:error","data":{"code":4001,"message":"Application does not exist"}}');
    assert.equal(errorFrame(null, 'Invalid JSON'), '{"event":"pusher:error","data":{"code":null,"message":"Invalid JSON"}}');
  });

  it('pusher:ping and pusher:pong have empty-object string data', () => {
    assert.equal(pingFrame(), '{"event":"pusher:ping","data":"{}"}');
    assert.equal(pongFrame(), '{"event":"pusher:pong","data":"{}"}');
  });

  it('subscription_succeeded: "{}" for plain channels, the presence set as a string for presence', () => {
    assert.equal(subscriptionSucceededFrame('news'), '{"event":"pusher_internal:subscription_succeeded","channel":"news","data":"{}"}');
    assert.equal(
      subscriptionSucceededFrame('presence-room', { ids: ['1', '2'], hash: { '1': { name: 'Ann' }, '2': null }, count: 2 }),
      '{"event":"pusher_internal:subscription_succeeded","channel":"presence-room","data":"{\\"presence\\":{\\"ids\\":[\\"1\\",\\"2\\"],\\"hash\\":{\\"1\\":{\\"name\\":\\"Ann\\"},\\"2\\":null},\\"count\\":2}}"}',
    );
  });

  it('pusher:subscription_error carries {type, error, status} like pusher-js reports auth failures', () => {
    assert.equal(
      subscriptionErrorFrame('private-a', 'AuthError', 'Invalid signature', 401),
      '{"event":"pusher:subscription_error","channel":"private-a","data":{"type":"AuthError","error":"Invalid signature","status":401}}',
    );
  });

  it('channel events pass their data string through unchanged, with user_id when given', () => {
    assert.equal(channelEventFrame('update', 'news', '{"a":1}'), '{"event":"update","channel":"news","data":"{\\"a\\":1}"}');
    assert.equal(channelEventFrame('update', 'news', 'plain text'), '{"event":"update","channel":"news","data":"plain text"}');
    assert.equal(channelEventFrame('client-typing', 'presence-room', '{}', 'u1'), '{"event":"client-typing","channel":"presence-room","data":"{}","user_id":"u1"}');
  });

  it('pusher:signin_success double-encodes: data is a string holding user_data, itself a string', () => {
    const frame = signinSuccessFrame('{"id":"12345"}');
    assert.equal(frame, '{"event":"pusher:signin_success","data":"{\\"user_data\\":\\"{\\\\\\"id\\\\\\":\\\\\\"12345\\\\\\"}\\"}"}');
    const data = JSON.parse(JSON.parse(frame).data) as { user_data: string };
    assert.deepEqual(JSON.parse(data.user_data), { id: '12345' });
  });

  it('pusher:cache_miss names the channel and carries no data', () => {
    assert.equal(cacheMissFrame('cache-news'), '{"event":"pusher:cache_miss","channel":"cache-news"}');
  });

  it("events on no channel (a user's watchlist events) pass their data string through", () => {
    assert.equal(userEventFrame('pusher_internal:watchlist_events', '{"a":1}'), '{"event":"pusher_internal:watchlist_events","data":"{\\"a\\":1}"}');
  });

  it('watchlist events carry {events:[{name, user_ids}]} as a string, like Pusher', () => {
    assert.equal(
      watchlistEventsFrame('online', ['u1', 'u2']),
      '{"event":"pusher_internal:watchlist_events","data":"{\\"events\\":[{\\"name\\":\\"online\\",\\"user_ids\\":[\\"u1\\",\\"u2\\"]}]}"}',
    );
  });
});
