/**
 * The chart boots a cluster here: `helm template` with test/deploy/helm-boot-values.yaml, every
 * replica of every rendered Deployment started as Kubernetes would start its container (the
 * image's ENTRYPOINT from deploy/Dockerfile, the environment resolved from the rendered Secret
 * and ConfigMap, the downward API, the mounted apps file, Service names mapped to loopback
 * proxies) against a real nats-server, ready by its own readiness probe; then the `helm test`
 * pod's round trip, the official SDKs, a paced drain on SIGTERM, and values that render an
 * environment that cannot boot.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse } from 'yaml';
import { type NatsServer, startNatsServer } from '../helpers/nats';
import { OpenClients } from '../helpers/open-clients';
import { connectedClient, nextEvent, serverSdk, subscribed } from '../helpers/pusher-clients';
import { type RawClient, rawClient } from '../helpers/raw-client';
import { readContainerImage } from './container-image';
import { find, type Manifest, REPO, renderChart } from './helm';
import { bootRelease, type LocalRelease } from './local-release';
import { planPod } from './pod-launch';
import { containerEnvironment } from './rendered-environment';

const VALUES = resolve(REPO, 'test/deploy/helm-boot-values.yaml');
const NAMESPACE = 'realtime';
const APP = { id: '41', key: 'boot-key', secret: 'boot-secret' };
// nats.url in the values names this; the test's nats-server stands in for it.
const NATS_NAME = 'nats.messaging:4222';
// The CPU limits of the values (gateway) and the chart's defaults (the others), in millicores.
const CPU_LIMIT_MILLICORES: Record<string, string> = { 'herald-gateway': '1000', 'herald-presence': '1000', 'herald-api': '1000', 'herald-webhooks': '500' };

let nats: NatsServer;
before(async () => {
  nats = await startNatsServer();
});
after(() => nats.stop());

const boot = (manifests: readonly Manifest[]) => bootRelease(manifests, { namespace: NAMESPACE, externalHosts: { [NATS_NAME]: `127.0.0.1:${nats.port}` } });

describe('the rendered release, booted as local processes', () => {
  let manifests: Manifest[];
  let release: LocalRelease;
  const clients = new OpenClients();

  before(async () => {
    manifests = renderChart({ valuesFiles: [VALUES] });
    release = await boot(manifests);
  });
  after(async () => {
    clients.closeAll();
    await release?.stop();
  });

  test('every replica of every Deployment answers its rendered readiness probe: 2 gateways, 2 presence, 1 api, 1 webhooks', () => {
    const counts = Object.fromEntries(['gateway', 'presence', 'api', 'webhooks'].map((c) => [c, release.podsOf(`herald-${c}`).length]));
    assert.deepEqual(counts, { gateway: 2, presence: 2, api: 1, webhooks: 1 });
    for (const pod of release.pods) {
      assert.equal(pod.launch.readiness?.path, pod.spec.containers[0].readinessProbe.httpGet.path);
      assert.equal(pod.launch.readiness?.path, '/readyz');
      assert.ok(!pod.process.hasExited(), `${pod.name} is running`);
    }
  });

  test('each process got the environment Kubernetes would give it: the image ENTRYPOINT, the chart’s variables, the downward API, the mounted apps file, NATS by its mapped name', () => {
    const main = resolve(REPO, 'dist/services/herald/src/main.js');
    for (const pod of release.pods) {
      const { argv, env } = pod.launch;
      const container = pod.spec.containers[0];
      assert.deepEqual(argv, [process.execPath, main, container.name], `${pod.name}: node /app/dist/services/herald/src/main.js <component>, tini left out`);
      assert.equal(env.NODE_ENV, 'production', 'the image ENV');
      assert.equal(env.HOSTNAME, pod.name);
      assert.equal(env.POD_NAME, pod.name);
      assert.equal(env.POD_IP, '127.0.0.1');
      assert.equal(env.CPU_LIMIT_MILLICORES, CPU_LIMIT_MILLICORES[pod.deployment], `${pod.name}: limits.cpu ${container.resources.limits.cpu} over the divisor 1m`);
      assert.equal(env.HERALD_NATS_URL, nats.url);
      assert.equal(env.HERALD_HOST, '127.0.0.1', 'from the values’ env, through the envFrom ConfigMap');
      assert.equal(env.HERALD_PORT, String(pod.port('http')));
      assert.equal(env.HERALD_METRICS_PORT, String(pod.port('metrics')));
      // Kubernetes adds no service links (enableServiceLinks: false): nothing here needs one.
      assert.equal(pod.spec.enableServiceLinks, false);
      assert.deepEqual(
        Object.keys(env).filter((name) => /_SERVICE_(HOST|PORT)/.test(name)),
        [],
      );
      const apps = parse(readFileSync(env.HERALD_APPS_FILE, 'utf8')) as { apps: Array<{ id: string; key: string; secret: string }> };
      assert.ok(env.HERALD_APPS_FILE.endsWith(`/${pod.name}/etc/herald/apps/apps.yaml`), env.HERALD_APPS_FILE);
      assert.deepEqual(
        apps.apps.map((app) => app.id),
        ['41', '42'],
      );
      assert.match(apps.apps[1].secret, /^[A-Za-z0-9]{40}$/, 'the secret the chart generated for the app without one');
    }
    const gateway = release.podsOf('herald-gateway')[0].launch.env;
    assert.deepEqual([gateway.HERALD_GATEWAY_WORKERS, gateway.HERALD_DRAIN_RATE, gateway.HERALD_DRAIN_TIMEOUT_MS], ['1', '100', '8000']);
  });

  test('the helm test pod’s round trip (its rendered command and environment) passes against the booted release', async () => {
    const testPod = find(manifests, 'Pod', 'herald-round-trip');
    assert.equal(testPod.metadata.annotations?.['helm.sh/hook'], 'test');
    const { code, output } = await release.runToCompletion(testPod, 30_000);
    assert.equal(code, 0, output);
    assert.match(output, /connected to ws:\/\/127\.0\.0\.1:\d+ as socket/);
    assert.match(output, /triggered "round-trip" on private-helm-test-[0-9a-f]+ through http:\/\/127\.0\.0\.1:\d+: 200/);
    assert.match(output, /round-trip: OK/);
  });

  test('pusher-js on the second gateway receives an event the pusher SDK triggers through the api Service', async () => {
    const gateway = release.podsOf('herald-gateway')[1];
    const client = clients.pusher(await connectedClient({ port: gateway.port('http') }, APP));
    const channel = await subscribed(client, 'private-boot-orders');
    const arrived = nextEvent<{ order: number }>(channel, 'order-placed', 10_000);
    const api = serverSdk({ port: release.servicePort('herald-api', 6002) }, APP);
    const response = await api.trigger('private-boot-orders', 'order-placed', { order: 7 });
    assert.equal(response.status, 200);
    assert.deepEqual(await arrived, { order: 7 });
    client.disconnect();
  });

  test('SIGTERM to a gateway with 200 clients: 4200 to every one at the rendered HERALD_DRAIN_RATE, exit 0 within terminationGracePeriodSeconds minus the preStop sleep', {
    timeout: 60_000,
  }, async () => {
    const gateway = release.podsOf('herald-gateway')[1];
    const rate = Number(gateway.launch.env.HERALD_DRAIN_RATE);
    const graceSeconds: number = gateway.spec.terminationGracePeriodSeconds;
    const preStopSeconds = Number(gateway.spec.containers[0].lifecycle.preStop.exec.command[1]);
    const sockets: RawClient[] = [];
    for (let i = 0; i < 200; i++) sockets.push(clients.raw(await rawClient(gateway.port('http'), APP.key)));
    assert.ok(sockets.every((s) => s.socketId !== ''));

    // Kubernetes runs the preStop sleep, then sends SIGTERM: the time left for Herald is grace - preStop.
    const signalled = Date.now();
    gateway.process.kill('SIGTERM');
    const closes = await Promise.all(sockets.map((s) => s.closed));
    const { code } = await gateway.process.exited;
    const exitedAfterMs = Date.now() - signalled;

    assert.deepEqual([...new Set(closes.map((c) => c.code))], [4200]);
    for (const s of sockets) assert.ok(s.frames.some((f) => f.event === 'pusher:error' && (f.data as { code: number }).code === 4200));
    const times = closes.map((c) => c.at);
    const spreadMs = Math.max(...times) - Math.min(...times);
    const expectedMs = (sockets.length / rate) * 1000;
    assert.ok(spreadMs >= expectedMs * 0.5, `the 4200s spread over ${spreadMs} ms; at ${rate}/s 200 sockets take ~${expectedMs} ms`);
    assert.equal(code, 0, gateway.process.logs());
    assert.ok(exitedAfterMs < (graceSeconds - preStopSeconds) * 1000, `exited ${exitedAfterMs} ms after SIGTERM; grace ${graceSeconds} s - preStop ${preStopSeconds} s`);
  });
});

describe('values that render an environment that cannot boot fail the boot', () => {
  test('a headers timeout longer than the request timeout: the values schema lets it through, the started processes refuse it', async () => {
    const manifests = renderChart({ valuesFiles: [VALUES], set: ['env.HERALD_HTTP_HEADERS_TIMEOUT_MS=60000', 'env.HERALD_HTTP_REQUEST_TIMEOUT_MS=30000'] });
    await assert.rejects(boot(manifests), /exited during start-up[\s\S]*HERALD_HTTP_HEADERS_TIMEOUT_MS/);
  });

  test('a Secret key the release does not hold (nats.urlSecret naming herald-apps key url): the container cannot be created', async () => {
    const manifests = renderChart({ valuesFiles: [VALUES], set: ['nats.urlSecret.name=herald-apps', 'nats.urlSecret.key=url'] });
    await assert.rejects(boot(manifests), /Secret herald-apps key url: neither rendered nor given as external/);
  });

  test('a NATS URL naming a host no Service of the release and nothing outside it answers to', async () => {
    const manifests = renderChart({ valuesFiles: [VALUES], set: ['nats.url=nats://nats.mesaging:4222'] });
    await assert.rejects(boot(manifests), /env HERALD_NATS_URL=nats:\/\/nats\.mesaging:4222: nats\.mesaging is neither a Service of the release nor an external name/);
  });
});

describe('the environment resolver, on its own', () => {
  const container = {
    resources: { limits: { cpu: '1500m', memory: '512Mi' }, requests: { cpu: '250m' } },
    env: [
      { name: 'CPUS', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
      { name: 'REQUEST_MILLIS', valueFrom: { resourceFieldRef: { resource: 'requests.cpu', divisor: '1m' } } },
      { name: 'MEMORY_MI', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
      { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      { name: 'LEVEL', valueFrom: { configMapKeyRef: { name: 'settings', key: 'level' } } },
      { name: 'WHERE', value: '$(NS)/$(LEVEL)/$(UNDEFINED)' },
    ],
  };
  const configMap: Manifest = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { level: 'debug' } };
  const pod = { name: 'p-0', namespace: 'ns1', ip: '127.0.0.1' };

  test('resourceFieldRef is the request or limit over its divisor, rounded up, as the kubelet computes it; $(VAR) expands defined variables only', () => {
    assert.deepEqual(containerEnvironment([configMap], container, {}, pod), {
      CPUS: '2',
      REQUEST_MILLIS: '250',
      MEMORY_MI: '512',
      NS: 'ns1',
      LEVEL: 'debug',
      WHERE: 'ns1/debug/$(UNDEFINED)',
    });
  });

  test('a dangling ConfigMap key or Secret throws (CreateContainerConfigError in Kubernetes)', () => {
    assert.throws(() => containerEnvironment([], container, {}, pod), /ConfigMap settings key level is not rendered/);
    const secretRef = { env: [{ name: 'S', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } }] };
    const secret: Manifest = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds' }, data: { user: Buffer.from('u').toString('base64') } };
    assert.throws(() => containerEnvironment([secret], secretRef, {}, pod), /Secret creds key password: neither rendered nor given as external/);
  });

  test('image paths come from deploy/Dockerfile: the COPYs of the final stage and npm ci’s node_modules; a path the image lacks throws', () => {
    const image = readContainerImage();
    assert.deepEqual(image.entrypoint, ['tini', '--', 'node', '/app/dist/services/herald/src/main.js']);
    assert.equal(image.localPath('/app/dist/services/herald/src/main.js'), resolve(REPO, 'dist/services/herald/src/main.js'));
    assert.equal(image.localPath('/app/deploy/helm-test/round-trip.js'), resolve(REPO, 'deploy/helm-test/round-trip.js'));
    assert.equal(image.localPath('/app/node_modules/ws'), resolve(REPO, 'node_modules/ws'));
    assert.throws(() => image.localPath('/app/dist/test/deploy/helm-boot.test.js'), /is not in the image/);
  });

  test('a containerPort no rendered *_PORT variable sets (hard-coded in the image) cannot be moved to a port of its own, and is refused', () => {
    const spec = {
      enableServiceLinks: false,
      containers: [{ name: 'x', args: ['gateway'], ports: [{ name: 'http', containerPort: 6001 }], env: [{ name: 'HERALD_LOG_LEVEL', value: 'info' }] }],
    };
    const context = { manifests: [], image: readContainerImage(), namespace: 'ns1', podName: 'x-0', root: '/nonexistent', ports: new Map([[6001, 40001]]), hosts: {} };
    assert.throws(() => planPod(spec, context), /containerPort 6001 \(http\) is set by no rendered \*_PORT variable/);
    assert.throws(() => planPod({ ...spec, enableServiceLinks: undefined }, context), /enableServiceLinks is not false/);
  });
});
