/**
 * The `helm test` pod's script (deploy/helm-test/round-trip.js), run for real as the pod runs
 * it, against an embedded Herald: it must succeed with the app's credentials and fail (exit
 * non-zero, saying why) with a wrong secret or a server that is not there.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { freePort } from '../helpers/local-resources';
import { startTestHerald, type TestHerald } from '../helpers/test-herald';

const SCRIPT = resolve(__dirname, '../../../deploy/helm-test/round-trip.js');

function runRoundTrip(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [SCRIPT], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    child.on('exit', (code) => done({ code, output }));
  });
}

let herald: TestHerald;
const app = { id: '77', key: 'round-trip-key', secret: 'round-trip-secret' };
const settings = () => ({
  ROUND_TRIP_WS_URL: herald.wsUrl,
  ROUND_TRIP_API_URL: herald.httpUrl,
  ROUND_TRIP_APP_ID: app.id,
  ROUND_TRIP_APP_KEY: app.key,
  ROUND_TRIP_APP_SECRET: app.secret,
  ROUND_TRIP_TIMEOUT_MS: '20000',
});

before(async () => {
  herald = await startTestHerald({ apps: [app] });
});
after(() => herald.stop());

test('the round trip succeeds: connected, subscribed to a private channel, triggered through the signed API, event received', async () => {
  const { code, output } = await runRoundTrip(settings());
  assert.equal(code, 0, output);
  assert.match(output, /connected to ws:\/\/127\.0\.0\.1:\d+ as socket \d+\.\d+/);
  assert.match(output, /subscribed to private-helm-test-[0-9a-f]+/);
  assert.match(output, /triggered "round-trip" on private-helm-test-[0-9a-f]+ through http:\/\/127\.0\.0\.1:\d+: 200/);
  assert.match(output, /the event arrived/);
  assert.match(output, /round-trip: OK\n/);
});

test('a wrong secret fails it: the gateway refuses the private subscription', async () => {
  const { code, output } = await runRoundTrip({ ...settings(), ROUND_TRIP_APP_SECRET: 'not-the-secret' });
  assert.equal(code, 1, output);
  assert.match(output, /FAILED: pusher:subscription_error: .*AuthError/);
});

test('an unknown app key fails it with the gateway’s close code', async () => {
  const { code, output } = await runRoundTrip({ ...settings(), ROUND_TRIP_APP_KEY: 'no-such-key' });
  assert.equal(code, 1, output);
  assert.match(output, /FAILED: .*4001/);
});

test('no server there fails it', async () => {
  const port = await freePort();
  const { code, output } = await runRoundTrip({ ...settings(), ROUND_TRIP_WS_URL: `ws://127.0.0.1:${port}` });
  assert.equal(code, 1, output);
  assert.match(output, /FAILED: WebSocket ws:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED/);
});
