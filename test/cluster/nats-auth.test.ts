/**
 * Herald on a nats-server that wants credentials: user and password from HERALD_NATS_USER /
 * HERALD_NATS_PASSWORD or from the URL's user:password@, a token from HERALD_NATS_TOKEN — an
 * event goes from the api to a pusher-js client on a gateway — and wrong ones stop the start
 * with the server's refusal, never with the password in the log.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { startHeraldProcess } from '../helpers/herald-process';
import { type NatsServer, startNatsServer } from '../helpers/nats';
import { connectedClient, nextEvent, serverSdk, subscribed } from '../helpers/pusher-clients';
import { DEFAULT_TEST_APP, writeAppsFile } from '../helpers/test-herald';

const USER = 'herald';
const PASSWORD = 'pa55-w0rd';
const TOKEN = 's3cr3t-token';

async function roundTrip(nats: string, env: Record<string, string>): Promise<void> {
  const appsFile = writeAppsFile([DEFAULT_TEST_APP]);
  const node = await startHeraldProcess({ command: 'all', nats: [nats], appsFile, env });
  const client = await connectedClient({ port: node.port }, DEFAULT_TEST_APP);
  try {
    const channel = await subscribed(client, 'authed');
    const got = nextEvent(channel, 'hello');
    await serverSdk({ port: node.port }, DEFAULT_TEST_APP).trigger('authed', 'hello', 'x');
    assert.equal(await got, 'x');
    assert.doesNotMatch(node.logs(), new RegExp(PASSWORD), 'the password never reaches the log');
  } finally {
    client.disconnect();
    await node.kill('SIGTERM');
  }
}

describe('cluster: NATS authentication', () => {
  const servers: NatsServer[] = [];
  after(async () => {
    for (const s of servers) await s.stop();
  });

  it('connects with a user and password, from the settings or from the URL', async () => {
    const nats = await startNatsServer({ args: ['--user', USER, '--pass', PASSWORD] });
    servers.push(nats);
    await roundTrip(nats.url, { HERALD_NATS_USER: USER, HERALD_NATS_PASSWORD: PASSWORD });
    await roundTrip(nats.url.replace('nats://', `nats://${USER}:${encodeURIComponent(PASSWORD)}@`), {});
  });

  it('connects with a token', async () => {
    const nats = await startNatsServer({ args: ['--auth', TOKEN] });
    servers.push(nats);
    await roundTrip(nats.url, { HERALD_NATS_TOKEN: TOKEN });
  });

  it('stops the start when the server refuses the credentials', async () => {
    const nats = await startNatsServer({ args: ['--user', USER, '--pass', PASSWORD] });
    servers.push(nats);
    const node = await startHeraldProcess({
      command: 'api',
      nats: [nats.url],
      appsFile: writeAppsFile([DEFAULT_TEST_APP]),
      env: { HERALD_NATS_USER: USER, HERALD_NATS_PASSWORD: 'wrong-password' },
      waitReady: false,
    });
    const exit = await node.exited;
    assert.notEqual(exit.code, 0);
    assert.match(node.logs(), /authorization/i);
    assert.doesNotMatch(node.logs(), /wrong-password/);
  });
});
