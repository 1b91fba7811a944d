import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertSupportedNatsServer, MIN_NATS_SERVER_VERSION } from './nats-server-version';

describe('assertSupportedNatsServer', () => {
  it('accepts the minimum and every later release', () => {
    for (const v of [MIN_NATS_SERVER_VERSION, '2.9.10', '2.10.0', '2.14.9', 'v2.15.0-beta.2', '3.0.0']) {
      assert.doesNotThrow(() => assertSupportedNatsServer(v, 'nats://x'), v);
    }
  });

  it('refuses older releases, naming the server and the minimum', () => {
    for (const v of ['2.8.4', '2.2.0', '1.4.1']) {
      assert.throws(
        () => assertSupportedNatsServer(v, 'nats://old:4222'),
        (err: Error) => {
          assert.match(err.message, new RegExp(`nats-server ${v.replace(/\./g, '\\.')} at nats://old:4222 is not supported`));
          assert.match(err.message, /needs 2\.9\.0 or later/);
          return true;
        },
      );
    }
  });

  it('refuses a server that reports no version it can read', () => {
    assert.throws(() => assertSupportedNatsServer(undefined, 'nats://x'), /version unknown/);
    assert.throws(() => assertSupportedNatsServer('nightly', 'nats://x'), /nightly/);
  });
});
