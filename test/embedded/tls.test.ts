/**
 * Herald serving TLS itself (HERALD_TLS_CERT_FILE / HERALD_TLS_KEY_FILE): pusher-js with
 * forceTLS and the `pusher` SDK with useTLS work against it, trusting the test's own CA as an
 * application trusts a private one (NODE_EXTRA_CA_CERTS, in a child process). Replacing the
 * files — as cert-manager or certbot renew a certificate — changes what new connections get,
 * without a restart, and connections already open are not disturbed.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, renameSync } from 'node:fs';
import { Agent, get } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect } from 'node:tls';
import WebSocket from 'ws';
import { serverSdk } from '../helpers/pusher-clients';
import { makeCa, makeServerCertificate, type TestCa, type TestServerCertificate } from '../helpers/test-certificates';
import { DEFAULT_TEST_APP, startTestHerald, type TestHerald } from '../helpers/test-herald';
import { waitFor, within } from '../helpers/wait';

const APP = DEFAULT_TEST_APP;
const SDK_CLIENTS = resolve(__dirname, '../helpers/tls-sdk-clients.js');

/** Runs pusher-js and the pusher SDK in a child process that trusts `ca`; resolves with its report. */
function sdkClientsTrusting(ca: TestCa, port: number): Promise<{ exitCode: number; report: Record<string, unknown> }> {
  return new Promise((resolveRun) => {
    execFile(
      process.execPath,
      [SDK_CLIENTS, JSON.stringify({ port, app: APP })],
      { env: { PATH: process.env.PATH ?? '', NODE_EXTRA_CA_CERTS: ca.certFile }, timeout: 30_000 },
      (error, stdout) => {
        const line = stdout.trim().split('\n').at(-1) ?? '';
        resolveRun({ exitCode: error ? Number(error.code ?? 1) : 0, report: line ? (JSON.parse(line) as Record<string, unknown>) : { stdout } });
      },
    );
  });
}

/** The fingerprint of the certificate a new TLS connection gets, verified against `ca`. */
function servedCertificate(port: number, ca: TestCa): Promise<string> {
  return new Promise((resolveCert, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ca: readFileSync(ca.certFile) }, () => {
      resolveCert(socket.getPeerCertificate().fingerprint256);
      socket.end();
    });
    socket.once('error', reject);
  });
}

describe('TLS', () => {
  const caA = makeCa('a');
  const caB = makeCa('b');
  let certA: TestServerCertificate;
  let certB: TestServerCertificate;
  const liveDir = mkdtempSync(join(tmpdir(), 'herald-live-tls-'));
  const live = { certFile: join(liveDir, 'tls.crt'), keyFile: join(liveDir, 'tls.key') };
  let herald: TestHerald;

  /** Puts a certificate in place the way renewal tools do: each file written aside, then renamed over the old one. */
  function install(certificate: TestServerCertificate): void {
    for (const [from, to] of [
      [certificate.keyFile, live.keyFile],
      [certificate.certFile, live.certFile],
    ]) {
      copyFileSync(from, `${to}.new`);
      renameSync(`${to}.new`, to);
    }
  }

  before(async () => {
    certA = makeServerCertificate(caA, 'server-a');
    certB = makeServerCertificate(caB, 'server-b');
    install(certA);
    herald = await startTestHerald({ env: { HERALD_TLS_CERT_FILE: live.certFile, HERALD_TLS_KEY_FILE: live.keyFile, HERALD_TLS_RELOAD_INTERVAL_MS: '100' } });
  });
  after(() => herald.stop());

  it('pusher-js connects over wss:// (forceTLS) and the pusher SDK triggers and lists channels over https:// (useTLS)', async () => {
    const { exitCode, report } = await sdkClientsTrusting(caA, herald.port);
    assert.equal(exitCode, 0, JSON.stringify(report));
    assert.match(String(report.socketId), /^\d+\.\d+$/);
    assert.equal(report.usingTLS, true);
    assert.equal(report.triggerStatus, 200);
    assert.deepEqual(report.event, { via: 'https' });
    assert.deepEqual(report.channels, { channels: { 'tls-channel': {} } });
    assert.equal(await servedCertificate(herald.port, caA), certA.fingerprint256);
  });

  it('serves only TLS on its port: a plain http:// request fails', async () => {
    await assert.rejects(fetch(`http://127.0.0.1:${herald.port}/healthz`));
    const healthz = await new Promise<number>((resolveStatus, reject) => {
      const agent = new Agent({ ca: readFileSync(caA.certFile) });
      get(`https://127.0.0.1:${herald.port}/healthz`, { agent }, (response) => resolveStatus(response.statusCode ?? 0)).on('error', reject);
    });
    assert.equal(healthz, 200);
  });

  it('serves a replaced certificate to new connections without a restart; a WebSocket opened before keeps working', async () => {
    const before = new WebSocket(`wss://127.0.0.1:${herald.port}/app/${APP.key}?protocol=7&client=test&version=1.0`, { ca: readFileSync(caA.certFile) });
    const frames: Array<{ event: string; channel?: string; data?: unknown }> = [];
    before.on('message', (data) => frames.push(JSON.parse(data.toString())));
    const arrived = (event: string) => waitFor(() => frames.find((f) => f.event === event), event);
    await arrived('pusher:connection_established');
    before.send(JSON.stringify({ event: 'pusher:subscribe', data: { channel: 'kept' } }));
    await arrived('pusher_internal:subscription_succeeded');

    install(certB);
    await waitFor(() => servedCertificate(herald.port, caB).then((fingerprint) => fingerprint === certB.fingerprint256), 'new connections to get the new certificate', 10_000, 100);
    await assert.rejects(servedCertificate(herald.port, caA), /unable to verify|self[- ]signed|unable to get/i, 'the old CA no longer verifies what is served');
    const { exitCode, report } = await sdkClientsTrusting(caB, herald.port);
    assert.equal(exitCode, 0, JSON.stringify(report));
    assert.deepEqual(report.event, { via: 'https' });

    assert.equal(before.readyState, WebSocket.OPEN, 'the connection made with the old certificate is still open');
    const publisher = serverSdk(herald, APP, { useTLS: true, agent: new Agent({ ca: readFileSync(caB.certFile) }) });
    await publisher.trigger('kept', 'after-renewal', { n: 1 });
    const event = await arrived('after-renewal');
    assert.equal(event.data, '{"n":1}');
    before.close();
  });
});

describe('TLS settings at start', () => {
  const ca = makeCa('start');

  it('reads a key encrypted with HERALD_TLS_KEY_PASSPHRASE', async () => {
    const certificate = makeServerCertificate(ca, 'encrypted', 'correct horse');
    const herald = await startTestHerald({
      env: { HERALD_TLS_CERT_FILE: certificate.certFile, HERALD_TLS_KEY_FILE: certificate.keyFile, HERALD_TLS_KEY_PASSPHRASE: 'correct horse' },
    });
    try {
      assert.equal(await servedCertificate(herald.port, ca), certificate.fingerprint256);
    } finally {
      await herald.stop();
    }
  });

  it('refuses to start with a wrong passphrase or a missing file, naming the files', async () => {
    const certificate = makeServerCertificate(ca, 'encrypted-2', 'right');
    const env = { HERALD_TLS_CERT_FILE: certificate.certFile, HERALD_TLS_KEY_FILE: certificate.keyFile };
    await assert.rejects(within(startTestHerald({ env: { ...env, HERALD_TLS_KEY_PASSPHRASE: 'wrong' } }), 'start-up to fail'), (err: Error) =>
      err.message.startsWith(`TLS: cannot serve with HERALD_TLS_CERT_FILE ${certificate.certFile} and HERALD_TLS_KEY_FILE ${certificate.keyFile}: `),
    );
    await assert.rejects(
      within(startTestHerald({ env: { ...env, HERALD_TLS_KEY_FILE: '/nonexistent/tls.key' } }), 'start-up to fail'),
      /HERALD_TLS_KEY_FILE \/nonexistent\/tls.key: ENOENT/,
    );
  });
});
