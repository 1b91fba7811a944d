/**
 * What `herald` (the compiled command, embedded) prints at start: start-up output ends up in
 * log collectors, so an app's secret appears only for the built-in development app; apps
 * from a file, from PostgreSQL or with a HERALD_APP_SECRET of the operator's show id and key
 * and where the secret lives.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { appSchema } from '../../services/core/src/config/app-schema';
import { loadConfig } from '../../services/core/src/config/load-config';
import { startupBanner } from '../../services/herald/src/banner';
import { forgetChild, killOnExit } from '../helpers/local-resources';
import { writeAppsFile } from '../helpers/test-herald';
import { waitFor } from '../helpers/wait';

const MAIN = resolve(__dirname, '../../services/herald/src/main.js');

/** Starts embedded Herald, returns everything it printed up to its banner's end, and stops it. */
async function bannerOf(args: string[], env: Record<string, string> = {}): Promise<string> {
  const child = spawn(process.execPath, [MAIN, '--host', '127.0.0.1', '--port', '0', ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  killOnExit(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  try {
    await waitFor(() => output.includes('Stop: Ctrl-C') || child.exitCode !== null, 'the banner', 20_000);
    assert.equal(child.exitCode, null, output);
    return output;
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
    forgetChild(child);
  }
}

describe('start-up banner', () => {
  it('shows the built-in development app with its secret, in the list and the server snippet', async () => {
    const output = await bannerOf([]);
    assert.match(output, /app_id 1 {3}key app-key {3}secret app-secret/);
    assert.match(output, /secret: 'app-secret'/);
    assert.doesNotMatch(output, /Secrets are not printed/);
  });

  it('never prints the secrets of apps from an apps file, and names the file', async () => {
    const apps = [
      { id: '7', key: 'file-key-one', secret: 'file-secret-one' },
      { id: '8', key: 'file-key-two', secret: 'file-secret-two' },
    ];
    const file = writeAppsFile(apps);
    const output = await bannerOf(['--apps', file]);
    for (const app of apps) {
      assert.match(output, new RegExp(`app_id ${app.id} {3}key ${app.key}\\n`));
      assert.equal(output.includes(app.secret), false, `${app.secret} printed:\n${output}`);
    }
    assert.ok(output.includes(`Secrets are not printed: they are in the apps file ${file}.`), output);
    assert.match(output, /secret: '<the secret of app 7>'/);
  });

  it('never prints a secret the operator set in HERALD_APP_SECRET, and names the variable', async () => {
    const output = await bannerOf([], { HERALD_APP_SECRET: 'operator-chosen-secret' });
    assert.match(output, /app_id 1 {3}key app-key\n/);
    assert.equal(output.includes('operator-chosen-secret'), false, output);
    assert.ok(output.includes('Secrets are not printed: they are in HERALD_APP_SECRET.'), output);
  });

  it('never prints the secrets of apps from PostgreSQL, and names the table and the database without its password', () => {
    const config = loadConfig({ env: {}, appsFile: 'postgres://herald:db-password@db.example:5432/herald' });
    const row = appSchema.parse({ id: 'shop', key: 'shop-key', secret: 'shop-secret' });
    const banner = startupBanner(6001, '0.0.0.0', { apps: [row], appsSource: config.appsSource, secretsIn: config.secretsIn });
    assert.match(banner, /app_id shop {3}key shop-key\n/);
    assert.equal(banner.includes('shop-secret'), false, banner);
    assert.equal(banner.includes('db-password'), false, banner);
    assert.match(banner, /Secrets are not printed: they are in the herald_apps table of postgres:\/\/herald:\*\*\*@db\.example:5432\/herald\./);
  });
});
