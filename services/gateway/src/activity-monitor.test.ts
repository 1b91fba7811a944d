import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { App } from '../../core/src/apps/app-registry';
import { appSchema } from '../../core/src/config/app-schema';
import { ManualClock } from '../../core/src/manual-clock';
import { ActivityMonitor } from './activity-monitor';
import { Connection } from './connection';
import { RecordingTransport } from './testing/recording-transport';

const ACTIVITY_MS = 120_000;
const PONG_MS = 30_000;

function app(overrides: Record<string, unknown> = {}): App {
  return appSchema.parse({ id: 'app-1', key: 'key-1', secret: 'secret-1', ...overrides });
}

function setup(appConfig: App = app()) {
  const clock = new ManualClock();
  const connections: Connection[] = [];
  const monitor = new ActivityMonitor(() => connections, clock, ACTIVITY_MS, PONG_MS);
  const connect = () => {
    const transport = new RecordingTransport();
    const connection = new Connection(transport, appConfig, `1.${connections.length + 1}`, clock.now(), {
      maxBufferedBytes: 1 << 20,
      onSlowConsumer: () => undefined,
      onSent: () => undefined,
    });
    connections.push(connection);
    return { connection, transport };
  };
  /** What the gateway does on any frame or pong from the client. */
  const activity = (connection: Connection) => {
    connection.lastActivityAt = clock.now();
  };
  return { clock, monitor, connect, activity };
}

describe('ActivityMonitor', () => {
  it('leaves a socket alone while it is active within the activity timeout', () => {
    const { clock, monitor, connect, activity } = setup();
    const { connection, transport } = connect();
    clock.advance(ACTIVITY_MS - 1);
    monitor.sweep();
    activity(connection);
    clock.advance(ACTIVITY_MS - 1);
    monitor.sweep();
    assert.equal(transport.pings, 0);
    assert.deepEqual(transport.closes, []);
  });

  it('pings a socket silent for the activity timeout, once', () => {
    const { clock, monitor, connect } = setup();
    const { connection, transport } = connect();
    clock.advance(ACTIVITY_MS);
    monitor.sweep();
    assert.equal(transport.pings, 1);
    assert.equal(connection.pingSentAt, clock.now());
    clock.advance(1000);
    monitor.sweep();
    assert.equal(transport.pings, 1, 'no second ping while waiting for the answer');
    assert.deepEqual(transport.closes, []);
  });

  it('keeps a pinged socket that answers, and pings it again after the next silence', () => {
    const { clock, monitor, connect, activity } = setup();
    const { connection, transport } = connect();
    clock.advance(ACTIVITY_MS);
    monitor.sweep();
    clock.advance(PONG_MS - 1);
    activity(connection); // the pong
    clock.advance(1);
    monitor.sweep();
    assert.deepEqual(transport.closes, []);
    assert.equal(connection.pingSentAt, 0, 'no longer waiting');

    clock.advance(ACTIVITY_MS - 2);
    monitor.sweep();
    assert.equal(transport.pings, 1, 'silent for less than the timeout since the pong');
    clock.advance(1);
    monitor.sweep();
    assert.equal(transport.pings, 2);
  });

  it('closes a socket that does not answer within the pong timeout with 4201, after a pusher:error', () => {
    const { clock, monitor, connect } = setup();
    const { connection, transport } = connect();
    clock.advance(ACTIVITY_MS);
    monitor.sweep();
    clock.advance(PONG_MS - 1);
    monitor.sweep();
    assert.deepEqual(transport.closes, [], 'not before the pong timeout');
    clock.advance(1);
    monitor.sweep();
    assert.deepEqual(transport.closes, [{ code: 4201, reason: 'Pong reply not received' }]);
    assert.deepEqual(transport.json(), [{ event: 'pusher:error', data: { code: 4201, message: 'Pong reply not received' } }]);
    assert.equal(connection.closed, true);
    clock.advance(PONG_MS);
    monitor.sweep();
    assert.equal(transport.closes.length, 1, 'a closed socket is skipped');
    assert.equal(transport.pings, 1);
  });

  it('judges each socket by its own activity', () => {
    const { clock, monitor, connect, activity } = setup();
    const quiet = connect();
    clock.advance(ACTIVITY_MS / 2);
    const chatty = connect();
    clock.advance(ACTIVITY_MS / 2);
    activity(chatty.connection);
    monitor.sweep();
    assert.deepEqual([quiet.transport.pings, chatty.transport.pings], [1, 0]);
  });

  it('closes a socket still not signed in after the grace period with 4009 when the app requires sign-in', () => {
    const { clock, monitor, connect, activity } = setup(app({ userAuthentication: { required: true, timeoutSeconds: 10 } }));
    const anonymous = connect();
    const signedIn = connect();
    signedIn.connection.userId = 'alice';
    clock.advance(9_999);
    activity(anonymous.connection);
    monitor.sweep();
    assert.deepEqual(anonymous.transport.closes, [], 'not before the grace period');
    clock.advance(1);
    activity(anonymous.connection); // being active does not replace signing in
    monitor.sweep();
    assert.deepEqual(anonymous.transport.closes, [{ code: 4009, reason: 'Connection not authorized within timeout' }]);
    assert.deepEqual(signedIn.transport.closes, []);
  });

  it('never closes anonymous sockets of an app that does not require sign-in', () => {
    const { clock, monitor, connect, activity } = setup();
    const { connection, transport } = connect();
    clock.advance(3600_000);
    activity(connection);
    monitor.sweep();
    assert.deepEqual(transport.closes, []);
  });
});
