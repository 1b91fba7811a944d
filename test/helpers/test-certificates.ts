/**
 * Certificates a TLS test makes for itself with the `openssl` command (in every Debian image):
 * a CA, and server certificates it signs for 127.0.0.1 and localhost, valid for two days.
 * Node's crypto can make keys but not certificates.
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCa {
  readonly name: string;
  readonly certFile: string;
  readonly keyFile: string;
}

export interface TestServerCertificate {
  readonly certFile: string;
  readonly keyFile: string;
  /** SHA-256 fingerprint as Node's getPeerCertificate() gives it (AA:BB:…). */
  readonly fingerprint256: string;
}

const certificatesDir = mkdtempSync(join(tmpdir(), 'herald-test-tls-'));

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

export function makeCa(name: string): TestCa {
  const certFile = join(certificatesDir, `${name}-ca.crt`);
  const keyFile = join(certificatesDir, `${name}-ca.key`);
  openssl(
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-days',
    '2',
    '-subj',
    `/CN=Herald test CA ${name}`,
    '-keyout',
    keyFile,
    '-out',
    certFile,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  );
  return { name, certFile, keyFile };
}

/** A server certificate for 127.0.0.1 / localhost signed by `ca`; `passphrase` encrypts its key. */
export function makeServerCertificate(ca: TestCa, name: string, passphrase?: string): TestServerCertificate {
  const keyFile = join(certificatesDir, `${name}.key`);
  const csrFile = join(certificatesDir, `${name}.csr`);
  const certFile = join(certificatesDir, `${name}.crt`);
  const extFile = join(certificatesDir, `${name}.ext`);
  writeFileSync(extFile, 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n');
  openssl('req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', `/CN=${name}`, '-keyout', keyFile, '-out', csrFile);
  openssl('x509', '-req', '-in', csrFile, '-CA', ca.certFile, '-CAkey', ca.keyFile, '-CAcreateserial', '-days', '2', '-extfile', extFile, '-out', certFile);
  const fingerprint256 = new X509Certificate(readFileSync(certFile)).fingerprint256;
  if (passphrase === undefined) return { certFile, keyFile, fingerprint256 };
  const encryptedKeyFile = join(certificatesDir, `${name}.encrypted.key`);
  openssl('pkey', '-in', keyFile, '-aes256', '-passout', `pass:${passphrase}`, '-out', encryptedKeyFile);
  return { certFile, keyFile: encryptedKeyFile, fingerprint256 };
}
