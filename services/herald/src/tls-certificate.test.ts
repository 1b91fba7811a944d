/**
 * CertificateReloader against a real TLS server on a manual clock: a change is served from
 * the next check on; a change that does not load (a new key beside the old certificate, a
 * garbled or missing file) leaves the last good certificate in use, is logged once, and the
 * next good change is served.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect } from 'node:tls';
import { captureLogs } from '../../../test/helpers/log-capture';
import { makeCa, makeServerCertificate, type TestCa } from '../../../test/helpers/test-certificates';
import { ManualClock } from '../../core/src/manual-clock';
import { CertificateReloader, readTlsFiles } from './tls-certificate';

function servedFingerprint(port: number, ca: TestCa): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ca: readFileSync(ca.certFile) }, () => {
      resolve(socket.getPeerCertificate().fingerprint256);
      socket.end();
    });
    socket.once('error', reject);
  });
}

describe('CertificateReloader', () => {
  const ca = makeCa('reloader');
  const first = makeServerCertificate(ca, 'reloader-first');
  const second = makeServerCertificate(ca, 'reloader-second');
  const third = makeServerCertificate(ca, 'reloader-third');
  const dir = mkdtempSync(join(tmpdir(), 'herald-reloader-'));
  const files = { certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key') };
  const place = (from: string, to: string) => {
    copyFileSync(from, `${to}.new`);
    renameSync(`${to}.new`, to);
  };
  const clock = new ManualClock();
  const logs = captureLogs('info');
  let server: Server;
  let reloader: CertificateReloader;
  let port: number;

  before(async () => {
    place(first.certFile, files.certFile);
    place(first.keyFile, files.keyFile);
    const initial = readTlsFiles(files);
    server = createServer(initial, (_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
    reloader = new CertificateReloader({ server, files, initial, intervalMs: 1000, clock, logger: logs.logger });
    reloader.start();
  });
  after(async () => {
    reloader.stop();
    assert.equal(clock.pendingTimers(), 0, 'stop() clears its timer');
    await new Promise((resolve) => server.close(resolve));
  });

  it('serves nothing new while the files are unchanged, and a changed pair from the next check on', async () => {
    clock.advance(1000);
    assert.equal(await servedFingerprint(port, ca), first.fingerprint256);
    assert.equal(logs.matching(/reloaded/).length, 0);
    place(second.keyFile, files.keyFile);
    place(second.certFile, files.certFile);
    assert.equal(await servedFingerprint(port, ca), first.fingerprint256, 'not before the check');
    clock.advance(1000);
    assert.equal(await servedFingerprint(port, ca), second.fingerprint256);
    assert.equal(logs.matching(/TLS certificate reloaded/).length, 1);
  });

  it('keeps the last good certificate while the key does not match it, and logs that once', async () => {
    place(third.keyFile, files.keyFile);
    clock.advance(1000);
    clock.advance(1000);
    assert.equal(await servedFingerprint(port, ca), second.fingerprint256);
    assert.equal(logs.matching(/changed but do not load/).length, 1, 'one warning, not one per check');
    place(third.certFile, files.certFile);
    clock.advance(1000);
    assert.equal(await servedFingerprint(port, ca), third.fingerprint256);
  });

  it('keeps the last good certificate while a file is garbled or missing, and serves the next good pair', async () => {
    writeFileSync(files.certFile, 'not a certificate');
    clock.advance(1000);
    assert.equal(await servedFingerprint(port, ca), third.fingerprint256);
    rmSync(files.keyFile);
    clock.advance(1000);
    clock.advance(1000);
    assert.equal(await servedFingerprint(port, ca), third.fingerprint256);
    assert.equal(logs.matching(/unreadable/).length, 1);
    place(first.keyFile, files.keyFile);
    place(first.certFile, files.certFile);
    clock.advance(1000);
    assert.equal(await servedFingerprint(port, ca), first.fingerprint256);
  });
});
