/**
 * The Helm chart (helm/herald), with the real helm binary: lint, render with each values file of
 * ci/, every manifest validated against the Kubernetes API schemas offline, the environment of
 * every workload accepted by Herald's own config loader, bad values refused by the schema with
 * its message, and the container image's compose file consistent with what the chart runs.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { SERVER_ENV_VARS } from '../../services/core/src/config/env-vars';
import { loadConfig } from '../../services/core/src/config/load-config';
import { parseCli } from '../../services/herald/src/cli-args';
import { CHART, find, helm, type Manifest, REPO, renderChart, renderFailure } from './helm';
import { manifestProblem } from './kubernetes-validators';
import { containerEnvironment, mountedSecretFiles } from './rendered-environment';

const VALUES_FILES = readdirSync(resolve(CHART, 'ci'))
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => `ci/${f}`);
const COMPONENTS = ['gateway', 'presence', 'api', 'webhooks'] as const;

/** Secrets the ci values files name but the chart does not create, as an operator would make them. */
const EXTERNAL_SECRETS = {
  'herald-nats/url': 'nats://nats-0.nats.messaging:4222',
  'herald-apps/apps.yaml': 'apps:\n  - id: "42"\n    key: shop-key\n    secret: shop-secret\n',
  'herald-postgres/url': 'postgres://herald:pw@postgres.db:5432/herald',
  'herald-helm-test-app/secret': 'shop-secret',
  'herald-nats-credentials/user': 'herald',
  'herald-nats-credentials/password': 'nats-password',
};

const deployments = (manifests: readonly Manifest[]) => manifests.filter((m) => m.kind === 'Deployment');
const gatewayOf = (manifests: readonly Manifest[]) => find(manifests, 'Deployment', 'herald-gateway');
const envOf = (deployment: Manifest) => containerEnvironment([], { env: deployment.spec.template.spec.containers[0].env });

test('the chart covers every values file the README names: defaults, external NATS, existingSecret, PostgreSQL apps, HPA off, ingress, Gateway API, monitoring', () => {
  for (const name of ['default', 'external-nats', 'existing-secret', 'postgres-apps', 'hpa-off', 'ingress', 'gateway-api', 'monitoring']) {
    assert.ok(VALUES_FILES.includes(`ci/${name}-values.yaml`), `ci/${name}-values.yaml`);
  }
});

describe('helm lint and helm template, every values file of ci/', () => {
  for (const file of VALUES_FILES) {
    test(`${file}: helm lint --strict passes`, () => {
      const result = helm(['lint', '--strict', CHART, '-f', resolve(CHART, file)]);
      assert.equal(result.status, 0, result.stdout + result.stderr);
    });

    test(`${file}: every rendered manifest is valid against the Kubernetes API schemas`, async () => {
      const manifests = renderChart({ valuesFiles: [file] });
      assert.ok(deployments(manifests).length === 4, 'four Deployments');
      const problems = (await Promise.all(manifests.map(manifestProblem))).filter(Boolean);
      assert.deepEqual(problems, []);
    });

    test(`${file}: Herald accepts every workload's rendered command and environment`, () => {
      const manifests = renderChart({ valuesFiles: [file] });
      for (const deployment of deployments(manifests)) {
        const pod = deployment.spec.template.spec;
        const container = pod.containers[0];
        const env = containerEnvironment(manifests, container, EXTERNAL_SECRETS);
        const files = mountedSecretFiles(manifests, pod, container, EXTERNAL_SECRETS);
        const args = parseCli(container.args);
        assert.equal(args.command, container.name);
        const readFile = (path: string) => {
          const content = files[path];
          if (content === undefined) throw Object.assign(new Error(`ENOENT: ${path} is not mounted`), { code: 'ENOENT' });
          return content;
        };
        assert.doesNotThrow(() => loadConfig({ env, ...args.configInput, readFile }), `${deployment.metadata.name} with ${file}`);
      }
    });
  }
});

describe('values the schema refuses, with its message', () => {
  const refusals: Array<[string[], RegExp]> = [
    [['presence.replicas=1'], /at '\/presence\/replicas': minimum: got 1, want 2/],
    [['nats.url=localhost:4222'], /at '\/nats\/url': 'localhost:4222' does not match pattern/],
    [['gatewy.replicas=3'], /additional properties 'gatewy' not allowed/],
    [['env.HERALD_DRAIN_RATEE=5'], /at '\/env': additional properties 'HERALD_DRAIN_RATEE' not allowed/],
    [['env.HERALD_NATS_URL=nats://x:4222'], /at '\/env': additional properties 'HERALD_NATS_URL' not allowed/],
    [['apps.list[0].id=bad id', 'apps.list[0].key=k'], /at '\/apps\/list\/0\/id': 'bad id' does not match pattern '\^\[A-Za-z0-9_-\]\+\$'/],
    [['apps.source=existingSecret'], /at '\/apps\/existingSecret\/name': minLength: got 0, want 1/],
    [['metrics.port=6001'], /at '\/metrics\/port': 'not' failed/],
    [['nats.auth.type=token'], /at '\/nats\/auth\/secretName': minLength: got 0, want 1/],
    [['nats.auth.type=password'], /at '\/nats\/auth\/type': value must be one of 'none', 'user', 'token', 'creds'/],
    [['httpRoute.enabled=true'], /at '\/httpRoute\/parentRefs': minItems: got 0, want 1/],
    [['extraEnv[0].name=HERALD_LOG_LEVEL', 'extraEnv[0].value=debug'], /at '\/extraEnv\/0\/name': 'not' failed/],
  ];
  for (const [set, message] of refusals) {
    test(`${set.join(' ')} fails helm template: ${message.source}`, () => {
      assert.match(renderFailure(set), message);
    });
  }

  test('a lease TTL not above its renewal interval fails helm template, as Herald would refuse it at start', () => {
    assert.match(
      renderFailure(['env.HERALD_LEASE_TTL_MS=1000', 'env.HERALD_LEASE_INTERVAL_MS=5000']),
      /env.HERALD_LEASE_TTL_MS \(1000\) must be longer than env.HERALD_LEASE_INTERVAL_MS \(5000\)/,
    );
    assert.match(renderFailure(['env.HERALD_LEASE_TTL_MS=4000']), /\(4000\) must be longer than env.HERALD_LEASE_INTERVAL_MS \(5000\)/, 'against the default interval');
  });

  test('apps from PostgreSQL without an app for helm test fails with what to set', () => {
    assert.match(
      renderFailure(['apps.source=postgres', 'apps.postgres.url=postgres://h:pw@db:5432/herald']),
      /helmTest.app \(id, key, secretRef.name, secretRef.key\) names the app `helm test` uses when apps.source is postgres; or set helmTest.enabled=false/,
    );
  });

  test('values.schema.json is what scripts/chart-values-schema.js makes from Herald’s app schema and HERALD_* settings', () => {
    const result = spawnSync(process.execPath, [resolve(REPO, 'scripts/chart-values-schema.js'), '--check'], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    const schema = JSON.parse(readFileSync(resolve(CHART, 'values.schema.json'), 'utf8'));
    const allowed = Object.keys(schema.definitions.heraldEnv.properties);
    assert.ok(allowed.includes('HERALD_EVENT_JOURNAL_REPLICAS'));
    for (const name of allowed) assert.ok(name in SERVER_ENV_VARS, name);
  });
});

describe('gateway workers from the CPU limit', () => {
  const cases: Array<[string, string]> = [
    ['2', '2'],
    ['1500m', '1'],
    ['500m', '1'],
    ['2.5', '2'],
    ['4000m', '4'],
  ];
  for (const [cpu, workers] of cases) {
    test(`a CPU limit of ${cpu} runs ${workers} worker(s)`, () => {
      const env = envOf(gatewayOf(renderChart({ set: [`gateway.resources.limits.cpu=${cpu}`] })));
      assert.equal(env.HERALD_GATEWAY_WORKERS, workers);
    });
  }

  test('gateway.workers wins over the CPU limit', () => {
    assert.equal(envOf(gatewayOf(renderChart({ set: ['gateway.workers=3'] }))).HERALD_GATEWAY_WORKERS, '3');
  });

  test('without a CPU limit the request decides', () => {
    const manifests = renderChart({ set: ['gateway.resources.limits=null', 'gateway.resources.requests.cpu=3'] });
    assert.equal(envOf(gatewayOf(manifests)).HERALD_GATEWAY_WORKERS, '3');
  });
});

describe('NATS authentication from a Secret', () => {
  test('user: HERALD_NATS_USER and HERALD_NATS_PASSWORD from the Secret’s keys', () => {
    const env = gatewayOf(renderChart({ valuesFiles: ['ci/nats-auth-values.yaml'] })).spec.template.spec.containers[0].env;
    const ref = (name: string) => env.find((e: { name: string }) => e.name === name)?.valueFrom?.secretKeyRef;
    assert.deepEqual(ref('HERALD_NATS_USER'), { name: 'herald-nats-credentials', key: 'user' });
    assert.deepEqual(ref('HERALD_NATS_PASSWORD'), { name: 'herald-nats-credentials', key: 'password' });
  });

  test('token: HERALD_NATS_TOKEN; creds: the file mounted read-only and named by HERALD_NATS_CREDS_FILE', () => {
    const tokenEnv = gatewayOf(renderChart({ set: ['nats.auth.type=token', 'nats.auth.secretName=s'] })).spec.template.spec.containers[0].env;
    assert.deepEqual(tokenEnv.find((e: { name: string }) => e.name === 'HERALD_NATS_TOKEN')?.valueFrom?.secretKeyRef, { name: 's', key: 'token' });
    const pod = gatewayOf(renderChart({ set: ['nats.auth.type=creds', 'nats.auth.secretName=c'] })).spec.template.spec;
    const container = pod.containers[0];
    const file = container.env.find((e: { name: string }) => e.name === 'HERALD_NATS_CREDS_FILE')?.value;
    const mount = container.volumeMounts.find((m: { name: string }) => m.name === 'nats-creds');
    assert.equal(file, `${mount.mountPath}/nats.creds`);
    assert.equal(mount.readOnly, true);
    assert.deepEqual(pod.volumes.find((v: { name: string }) => v.name === 'nats-creds').secret, { secretName: 'c', items: [{ key: 'creds', path: 'nats.creds' }] });
  });
});

describe('one metrics port per gateway worker', () => {
  test('3 workers: the gateway declares metrics, metrics-w1, metrics-w2; the metrics Service and the ServiceMonitor scrape each', () => {
    const manifests = renderChart({ valuesFiles: ['ci/monitoring-values.yaml'], set: ['gateway.workers=3'] });
    const port = Number(envOf(gatewayOf(manifests)).HERALD_METRICS_PORT);
    const ports = gatewayOf(manifests).spec.template.spec.containers[0].ports.filter((p: { name: string }) => p.name.startsWith('metrics'));
    assert.deepEqual(
      ports.map((p: { name: string; containerPort: number }) => [p.name, p.containerPort]),
      [
        ['metrics', port],
        ['metrics-w1', port + 1],
        ['metrics-w2', port + 2],
      ],
    );
    const api = find(manifests, 'Deployment', 'herald-api').spec.template.spec.containers[0].ports.map((p: { name: string }) => p.name);
    assert.deepEqual(api, ['http', 'metrics'], 'the api has one process: one metrics port');
    const service = find(manifests, 'Service', 'herald-metrics').spec.ports.map((p: { name: string; targetPort: string }) => p.targetPort);
    assert.deepEqual(service, ['metrics', 'metrics-w1', 'metrics-w2']);
    const monitor = find(manifests, 'ServiceMonitor', 'herald').spec.endpoints.map((e: { port: string }) => e.port);
    assert.deepEqual(monitor, ['metrics', 'metrics-w1', 'metrics-w2']);
  });
});

describe('graceful rollouts', () => {
  for (const [timeoutMs, preStop] of [
    [30000, 5],
    [60500, 10],
    [0, 0],
  ]) {
    test(`terminationGracePeriodSeconds > drain timeout ${timeoutMs} ms + preStop ${preStop} s + the gateway primary's 10 s`, () => {
      const gateway = gatewayOf(renderChart({ set: [`gateway.drain.timeoutMs=${timeoutMs}`, `gateway.preStopSleepSeconds=${preStop}`] }));
      const pod = gateway.spec.template.spec;
      assert.ok(pod.terminationGracePeriodSeconds > timeoutMs / 1000 + preStop + 10, String(pod.terminationGracePeriodSeconds));
      assert.equal(envOf(gateway).HERALD_DRAIN_TIMEOUT_MS, String(timeoutMs));
      if (preStop > 0) assert.deepEqual(pod.containers[0].lifecycle.preStop.exec.command, ['sleep', String(preStop)]);
      else assert.equal(pod.containers[0].lifecycle, undefined);
    });
  }

  test('every Deployment rolls with maxUnavailable 0, has a PDB, and the gateway and api an HPA; HPA off sets replicas', () => {
    const manifests = renderChart();
    for (const deployment of deployments(manifests)) {
      assert.deepEqual(deployment.spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '25%' } });
      const pdb = find(manifests, 'PodDisruptionBudget', deployment.metadata.name);
      assert.deepEqual(pdb.spec.selector.matchLabels, deployment.spec.selector.matchLabels);
    }
    for (const name of ['herald-gateway', 'herald-api']) {
      assert.equal(find(manifests, 'HorizontalPodAutoscaler', name).spec.scaleTargetRef.name, name);
      assert.equal(find(manifests, 'Deployment', name).spec.replicas, undefined, 'the HPA owns the replica count');
    }
    assert.equal(find(manifests, 'Deployment', 'herald-presence').spec.replicas, 2);

    const fixed = renderChart({ valuesFiles: ['ci/hpa-off-values.yaml'] });
    assert.equal(fixed.filter((m) => m.kind === 'HorizontalPodAutoscaler').length, 0);
    assert.equal(find(fixed, 'Deployment', 'herald-gateway').spec.replicas, 3);
    assert.equal(find(fixed, 'Deployment', 'herald-presence').spec.replicas, 3);
  });

  test('a config change rolls the pods: the checksum annotation follows env, apps and NATS', () => {
    const checksum = (set: string[]) => gatewayOf(renderChart({ set })).spec.template.metadata.annotations['checksum/config'];
    const base = checksum([]);
    assert.match(base, /^[0-9a-f]{64}$/);
    assert.equal(checksum([]), base);
    assert.notEqual(checksum(['env.HERALD_PONG_TIMEOUT=20']), base);
    assert.notEqual(checksum(['apps.list[0].id=1', 'apps.list[0].key=other-key']), base);
    assert.notEqual(checksum(['nats.url=nats://other:4222']), base);
  });
});

describe('pods', () => {
  test('every pod runs as non-root on a read-only root filesystem without capabilities, seccomp RuntimeDefault, no service links', () => {
    const manifests = renderChart({ valuesFiles: ['ci/ingress-values.yaml'] });
    const pods = [...deployments(manifests).map((d) => d.spec.template.spec), find(manifests, 'Pod', 'herald-round-trip').spec];
    for (const pod of pods) {
      assert.equal(pod.securityContext.runAsNonRoot, true);
      assert.equal(pod.securityContext.runAsUser, 10001);
      assert.equal(pod.securityContext.seccompProfile.type, 'RuntimeDefault');
      assert.equal(pod.enableServiceLinks, false);
      assert.equal(pod.automountServiceAccountToken, false);
      for (const container of pod.containers) {
        assert.equal(container.securityContext.readOnlyRootFilesystem, true);
        assert.equal(container.securityContext.allowPrivilegeEscalation, false);
        assert.deepEqual(container.securityContext.capabilities.drop, ['ALL']);
        assert.ok(container.resources.limits.memory, 'a memory limit');
      }
    }
  });

  test('probes: /healthz liveness and startup, /readyz readiness, on the metrics listener when it is on, else the main port', () => {
    for (const [set, port] of [
      [[], 'metrics'],
      [['metrics.port=null'], 'http'],
    ] as const) {
      const manifests = renderChart({ set: [...set] });
      for (const deployment of deployments(manifests)) {
        const container = deployment.spec.template.spec.containers[0];
        assert.deepEqual(container.livenessProbe.httpGet, { path: '/healthz', port });
        assert.deepEqual(container.startupProbe.httpGet, { path: '/healthz', port });
        assert.deepEqual(container.readinessProbe.httpGet, { path: '/readyz', port });
        assert.ok(container.ports.some((p: { name: string }) => p.name === port));
        assert.equal(containerEnvironment(manifests, container).HERALD_METRICS_PORT, port === 'metrics' ? '9464' : undefined);
      }
      assert.equal(
        manifests.some((m) => m.metadata.name === 'herald-metrics'),
        port === 'metrics',
      );
    }
  });

  test('topology spread over zones and nodes, each workload by its own labels', () => {
    for (const deployment of deployments(renderChart())) {
      const constraints = deployment.spec.template.spec.topologySpreadConstraints;
      assert.deepEqual(
        constraints.map((c: { topologyKey: string }) => c.topologyKey),
        ['topology.kubernetes.io/zone', 'kubernetes.io/hostname'],
      );
      for (const c of constraints) assert.deepEqual(c.labelSelector.matchLabels, deployment.spec.selector.matchLabels);
    }
  });

  test('OTEL_* wiring from tracing values: endpoint, ratio sampler, the pod in the resource attributes', () => {
    const manifests = renderChart({ valuesFiles: ['ci/ingress-values.yaml'] });
    const env = containerEnvironment(manifests, find(manifests, 'Deployment', 'herald-api').spec.template.spec.containers[0]);
    assert.equal(env.OTEL_EXPORTER_OTLP_ENDPOINT, 'http://otel-collector.observability:4318');
    assert.equal(env.OTEL_TRACES_SAMPLER, 'parentbased_traceidratio');
    assert.equal(env.OTEL_TRACES_SAMPLER_ARG, '0.05');
    assert.equal(env.OTEL_RESOURCE_ATTRIBUTES, 'k8s.pod.name=field:metadata.name,k8s.namespace.name=field:metadata.namespace,deployment.environment.name=prod');
    assert.equal(envOf(gatewayOf(renderChart())).OTEL_EXPORTER_OTLP_ENDPOINT, undefined, 'off by default');
  });
});

describe('apps', () => {
  test('apps from values: the Secret holds the apps file; an empty secret is generated, a given one kept', () => {
    const manifests = renderChart({ valuesFiles: ['ci/ingress-values.yaml'] });
    const secret = find(manifests, 'Secret', 'herald-apps');
    const apps = parse(secret.stringData?.['apps.yaml'] ?? '').apps;
    assert.equal(apps[0].secret, 'shop-secret');
    assert.equal(apps[0].limits.maxPresenceMembers, 500);
    assert.match(apps[1].secret, /^[A-Za-z0-9]{40}$/);
    assert.equal(secret.stringData?.['helm-test-app-secret'], 'shop-secret');
  });

  test('apps from PostgreSQL: HERALD_APPS_FILE from the Secret, no apps volume', () => {
    const manifests = renderChart({ valuesFiles: ['ci/postgres-apps-values.yaml'] });
    const container = gatewayOf(manifests).spec.template.spec.containers[0];
    assert.deepEqual(container.env.find((e: { name: string }) => e.name === 'HERALD_APPS_FILE').valueFrom, { secretKeyRef: { name: 'herald-postgres', key: 'url' } });
    assert.equal(
      manifests.some((m) => m.kind === 'Secret'),
      false,
    );
    assert.equal(container.volumeMounts.length, 1, 'only /tmp');
  });
});

describe('networking', () => {
  const expectedRoutes = [
    ['/app', 'herald-gateway'],
    ['/apps', 'herald-api'],
    ['/users', 'herald-api'],
  ];

  test('the Ingress puts WebSockets (/app) and the HTTP API (/apps, /users) on one host', () => {
    const ingress = find(renderChart({ valuesFiles: ['ci/ingress-values.yaml'] }), 'Ingress', 'herald');
    const rule = ingress.spec.rules[0];
    assert.equal(rule.host, 'realtime.example.com');
    assert.deepEqual(
      rule.http.paths.map((p: { path: string; pathType: string; backend: { service: { name: string } } }) => [p.path, p.backend.service.name]),
      expectedRoutes,
    );
    assert.equal(ingress.metadata.annotations?.['nginx.ingress.kubernetes.io/proxy-read-timeout'], '300');
  });

  test('the HTTPRoute routes the same paths', () => {
    const route = find(renderChart({ valuesFiles: ['ci/gateway-api-values.yaml'] }), 'HTTPRoute', 'herald');
    assert.deepEqual(
      route.spec.rules.map((r: { matches: Array<{ path: { value: string } }>; backendRefs: Array<{ name: string }> }) => [r.matches[0].path.value, r.backendRefs[0].name]),
      expectedRoutes,
    );
  });

  test('monitoring: the ServiceMonitor selects the metrics Service; the rules and the dashboard come from files/', () => {
    const manifests = renderChart({ valuesFiles: ['ci/monitoring-values.yaml'] });
    const monitor = find(manifests, 'ServiceMonitor', 'herald');
    const metrics = find(manifests, 'Service', 'herald-metrics');
    for (const [label, value] of Object.entries(monitor.spec.selector.matchLabels)) assert.equal(metrics.metadata.labels?.[label], value);
    assert.equal(monitor.spec.endpoints[0].port, metrics.spec.ports[0].name);
    const rules = parse(readFileSync(resolve(CHART, 'files/herald-alerts.yaml'), 'utf8'));
    assert.deepEqual(find(manifests, 'PrometheusRule', 'herald').spec.groups, rules.groups);
    const dashboard = find(manifests, 'ConfigMap', 'herald-dashboard');
    assert.equal(dashboard.metadata.labels?.grafana_dashboard, '1');
    assert.deepEqual(JSON.parse(dashboard.data?.['herald-dashboard.json'] ?? ''), JSON.parse(readFileSync(resolve(CHART, 'files/herald-dashboard.json'), 'utf8')));
  });
});

test("the chart's appVersion is Herald's version", () => {
  const chart = parse(readFileSync(resolve(CHART, 'Chart.yaml'), 'utf8'));
  assert.equal(chart.appVersion, JSON.parse(readFileSync(resolve(REPO, 'package.json'), 'utf8')).version);
});

test("the chart's rules and dashboard are copies of deploy/'s", () => {
  const copies: Array<[string, string]> = [
    ['deploy/prometheus/herald-alerts.yaml', 'files/herald-alerts.yaml'],
    ['deploy/grafana/herald-dashboard.json', 'files/herald-dashboard.json'],
  ];
  for (const [original, copy] of copies) {
    assert.equal(readFileSync(resolve(CHART, copy), 'utf8'), readFileSync(resolve(REPO, original), 'utf8'), `helm/herald/${copy} differs from ${original}: copy it again`);
  }
});

test('deploy/docker-compose.yml runs what the chart runs: the same commands and HERALD_* variables', () => {
  const compose = parse(readFileSync(resolve(REPO, 'deploy/docker-compose.yml'), 'utf8'), { merge: true });
  const manifests = renderChart();
  const seen = new Set<string>();
  for (const [name, service] of Object.entries<{ command?: string[]; environment?: Record<string, string>; stop_grace_period?: string }>(compose.services)) {
    if (name === 'nats') continue;
    const component = service.command?.[0] ?? '';
    assert.ok((COMPONENTS as readonly string[]).includes(component), `${name} runs ${component}`);
    seen.add(component);
    const container = find(manifests, 'Deployment', `herald-${component}`).spec.template.spec.containers[0];
    assert.deepEqual(service.command, container.args, name);
    const chartEnv = containerEnvironment(manifests, container);
    assert.deepEqual(Object.keys(service.environment ?? {}).sort(), Object.keys(chartEnv).sort(), `${name}: the variables the chart sets`);
    for (const variable of ['HERALD_PORT', 'HERALD_METRICS_PORT', 'HERALD_APPS_FILE', 'HERALD_DRAIN_RATE', 'HERALD_DRAIN_TIMEOUT_MS']) {
      assert.equal(service.environment?.[variable], chartEnv[variable], `${name} ${variable}`);
    }
    if (component === 'gateway') {
      const drainSeconds = Number(chartEnv.HERALD_DRAIN_TIMEOUT_MS) / 1000;
      assert.ok(Number.parseInt(service.stop_grace_period ?? '0', 10) > drainSeconds + 10, `${name} stop_grace_period`);
    }
  }
  assert.deepEqual([...seen].sort(), [...COMPONENTS].sort());
  assert.match(compose.services.nats.command.join(' '), /-js/);
});
