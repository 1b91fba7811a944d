import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { connect, type NatsConnection, StringCodec } from 'nats';
import { assertSupportedNatsServer } from '../../services/core/src/bus/nats-server-version';
import { type NatsCluster, type NatsServer, natsServerBinary, startNatsCluster, startNatsServer } from './nats';
import { waitFor, within } from './wait';

interface Varz {
  server_name: string;
  host: string;
  port: number;
  http_host: string;
  http_port: number;
  jetstream: { config?: { store_dir: string } };
}

const sc = StringCodec();
const REPO = join(__dirname, '..', '..', '..');

/** Distinct servers `server` has routes to (since 2.10 a pool of several routes per peer). */
async function routedPeers(server: NatsServer): Promise<number> {
  const routez = await server.monitor<{ routes?: Array<{ remote_id: string }> }>('/routez');
  return new Set((routez.routes ?? []).map((r) => r.remote_id)).size;
}

function commandExists(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function roundTrip(publishTo: NatsConnection, subscribeOn: NatsConnection, subject: string): Promise<string> {
  const sub = subscribeOn.subscribe(subject, { max: 1 });
  await subscribeOn.flush();
  const first = (async () => {
    for await (const m of sub) return sc.decode(m.data);
    throw new Error('subscription ended without a message');
  })();
  publishTo.publish(subject, sc.encode('hello'));
  return within(first, `a message on ${subject}`);
}

describe('startNatsServer', () => {
  const started: NatsServer[] = [];
  after(() => Promise.all(started.map((s) => s.stop())));

  it('serves clients on 127.0.0.1 at its url, with monitoring and JetStream in a temp dir', async () => {
    const server = await startNatsServer({ name: 'helper-single' });
    started.push(server);
    assert.equal(server.url, `nats://127.0.0.1:${server.port}`);
    const varz = await server.monitor<Varz>('/varz');
    assert.deepEqual([varz.server_name, varz.host, varz.port, varz.http_host, varz.http_port], ['helper-single', '127.0.0.1', server.port, '127.0.0.1', server.monitorPort]);
    assert.ok(varz.jetstream.config?.store_dir, 'JetStream is on by default');

    const nc = await connect({ servers: server.url });
    try {
      assert.equal(await roundTrip(nc, nc, 'helper.single'), 'hello');
      nc.subscribe('helper.visible.*');
      await nc.flush();
      const connz = await server.monitor<{ connections: Array<{ subscriptions_list?: string[] }> }>('/connz?subs=1');
      assert.ok(
        connz.connections.some((c) => c.subscriptions_list?.includes('helper.visible.*')),
        'monitor() reads the live subscription list',
      );
      const jsm = await nc.jetstreamManager();
      assert.equal((await jsm.getAccountInfo()).streams, 0);
    } finally {
      await nc.close();
    }
  });

  it('runs the nats-server release pinned in scripts/ensure-deps.sh when it was built', async () => {
    const server = await startNatsServer({ jetstream: false });
    started.push(server);
    const { version } = await server.monitor<{ version: string }>('/varz');
    assert.doesNotThrow(() => assertSupportedNatsServer(version, server.url));
    const pinned = /^NATS_SERVER_VERSION=v(\S+)$/m.exec(readFileSync(join(REPO, 'scripts', 'ensure-deps.sh'), 'utf8'))?.[1];
    assert.ok(pinned, 'ensure-deps.sh pins a version');
    // Only a machine without Go falls back to Debian's binary, which is not in the build cache.
    if (realpathSync(natsServerBinary()).includes(`nats-server-v${pinned}`)) assert.equal(version, pinned);
    else assert.ok(!commandExists('go'), `Go is installed, yet ${natsServerBinary()} is not the pinned v${pinned} build`);
  });

  it('starts without JetStream when asked', async () => {
    const server = await startNatsServer({ jetstream: false });
    started.push(server);
    assert.equal((await server.monitor<Varz>('/varz')).jetstream.config, undefined);
  });

  it('gives each server its own ports', async () => {
    const [a, b] = await Promise.all([startNatsServer({ jetstream: false }), startNatsServer({ jetstream: false })]);
    started.push(a, b);
    assert.equal(new Set([a.port, a.monitorPort, b.port, b.monitorPort]).size, 4);
  });

  it('kill() resolves once the process is gone; restart() comes back on the same port with the same store', async () => {
    const server = await startNatsServer({ name: 'helper-restart' });
    started.push(server);
    const nc = await connect({ servers: server.url });
    await (await nc.jetstreamManager()).streams.add({ name: 'KEEP', subjects: ['keep.>'] });
    await nc.close();

    const firstPid = server.pid;
    await server.kill();
    assert.equal(isAlive(firstPid), false, 'the process has exited when kill() resolves');
    await assert.rejects(connect({ servers: server.url, reconnect: false, timeout: 1000 }), 'nobody listens after kill()');

    await server.restart();
    assert.notEqual(server.pid, firstPid);
    assert.equal(isAlive(server.pid), true);
    const again = await connect({ servers: server.url });
    try {
      const info = await (await again.jetstreamManager()).streams.info('KEEP');
      assert.deepEqual(info.config.subjects, ['keep.>'], 'the stream survived: same store dir');
    } finally {
      await again.close();
    }
  });

  it('stop() ends the process gracefully and removes its temp dir', async () => {
    const server = await startNatsServer({ name: 'helper-stop' });
    const storeDir = (await server.monitor<Varz>('/varz')).jetstream.config?.store_dir ?? '';
    const tempDir = dirname(dirname(storeDir));
    assert.ok(existsSync(tempDir));
    const pid = server.pid;
    await server.stop();
    assert.equal(isAlive(pid), false);
    assert.equal(existsSync(tempDir), false, `${tempDir} was removed`);
    await server.stop(); // twice is harmless
    await assert.rejects(server.restart(), /was stopped/);
  });
});

describe('startNatsCluster', () => {
  let cluster: NatsCluster;
  after(() => cluster?.stop());

  it('routes every server to every other one, with clustered JetStream', async () => {
    cluster = await startNatsCluster(3);
    assert.equal(cluster.servers.length, 3);
    assert.deepEqual(
      cluster.urls,
      cluster.servers.map((s) => s.url),
    );
    const names = new Set<string>();
    for (const server of cluster.servers) {
      assert.equal(await routedPeers(server), 2, `${server.name} has a route to each other server`);
      names.add((await server.monitor<Varz>('/varz')).server_name);
    }
    assert.equal(names.size, 3, 'distinct server names');

    const [first, , third] = cluster.servers;
    const publisher = await connect({ servers: first.url });
    const subscriber = await connect({ servers: third.url });
    try {
      const received: string[] = [];
      subscriber.subscribe('helper.cluster', { callback: (_err, m) => received.push(sc.decode(m.data)) });
      await subscriber.flush();
      // Interest reaches the first server over the route asynchronously: publish until it does.
      await waitFor(() => {
        publisher.publish('helper.cluster', sc.encode('across'));
        return received.length > 0;
      }, 'a message from the first server at a subscriber on the third');
      assert.equal(received[0], 'across');

      const jsm = await publisher.jetstreamManager();
      const stream = await jsm.streams.add({ name: 'REPLICATED', subjects: ['replicated.>'], num_replicas: 3 });
      assert.equal(stream.config.num_replicas, 3);
    } finally {
      await Promise.all([publisher.close(), subscriber.close()]);
    }
  });

  it('restart() of a killed member resolves once its routes to the others are back', async () => {
    const [first, second] = cluster.servers;
    await second.kill();
    await waitFor(async () => (await routedPeers(first)) === 1, 'the first server to lose its route to the killed one');
    await second.restart();
    // No waiting here: restart() promises the routes are back when it resolves.
    for (const server of cluster.servers) {
      assert.equal(await routedPeers(server), 2, `${server.name} is routed to both others again`);
    }
  });

  it('stop() ends every server', async () => {
    const pids = cluster.servers.map((s) => s.pid);
    await cluster.stop();
    assert.deepEqual(pids.map(isAlive), [false, false, false]);
  });
});
