import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from './config-error';
import { type ConfigInput, type HeraldConfig, loadConfig } from './load-config';

/** The problems loadConfig reports for `input` (fails the test if it does not throw). */
function problemsOf(input: ConfigInput): string[] {
  try {
    loadConfig(input);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    for (const problem of err.problems) assert.ok(err.message.includes(problem), 'the message lists every problem');
    return err.problems;
  }
  assert.fail('loadConfig accepted the configuration');
}

function withFiles(files: Record<string, string>): (path: string) => string {
  return (path) => {
    if (!(path in files)) throw new Error(`ENOENT: no such file or directory, open '${path}'`);
    return files[path];
  };
}

describe('loadConfig: server settings', () => {
  it('applies defaults and the default app when nothing is set', () => {
    const config: HeraldConfig = loadConfig({ env: { PATH: '/usr/bin', HOME: '/root' } });
    assert.equal(config.server.host, '0.0.0.0');
    assert.equal(config.server.port, undefined, 'the port default depends on the command');
    assert.equal(config.server.activityTimeoutSeconds, 120);
    assert.equal(config.server.pongTimeoutSeconds, 30);
    assert.equal(config.server.apiMaxSkewSeconds, 600);
    assert.deepEqual(config.server.natsServers, []);
    assert.equal(config.apps.length, 1);
    const [app] = config.apps;
    assert.deepEqual([app.id, app.key, app.secret, app.enabled, app.clientEvents], ['1', 'app-key', 'app-secret', true, true]);
    assert.match(config.appsSource, /default app/);
    // Pusher's documented limits are the defaults.
    assert.deepEqual(
      [
        app.limits.maxEventPayloadBytes,
        app.limits.maxChannelsPerTrigger,
        app.limits.maxEventsPerBatch,
        app.limits.maxChannelNameLength,
        app.limits.maxEventNameLength,
        app.limits.maxPresenceMembers,
        app.limits.maxPresenceUserInfoBytes,
        app.limits.maxUserIdLength,
        app.limits.clientEventsPerSecond,
      ],
      [10240, 100, 10, 200, 200, 100, 1024, 128, 10],
    );
  });

  it('reads HERALD_PORT and other settings from the environment', () => {
    const config = loadConfig({
      env: { HERALD_PORT: '7001', HERALD_HOST: '127.0.0.1', HERALD_ACTIVITY_TIMEOUT: '30', HERALD_NATS_URL: 'nats://a:4222, nats://b:4222' },
    });
    assert.equal(config.server.port, 7001);
    assert.equal(config.server.host, '127.0.0.1');
    assert.equal(config.server.activityTimeoutSeconds, 30);
    assert.deepEqual(config.server.natsServers, ['nats://a:4222', 'nats://b:4222']);
  });

  it('serves metrics on the main port unless HERALD_METRICS_PORT asks for a listener of their own', () => {
    const unset = loadConfig({ env: {} });
    assert.deepEqual([unset.server.metricsPort, unset.server.metricsHost], [undefined, undefined]);
    const set = loadConfig({ env: { HERALD_METRICS_PORT: '9464', HERALD_METRICS_HOST: '10.0.0.8' } });
    assert.deepEqual([set.server.metricsPort, set.server.metricsHost], [9464, '10.0.0.8']);
    assert.match(problemsOf({ env: { HERALD_METRICS_PORT: '70000' } })[0], /^HERALD_METRICS_PORT: /);
  });

  it('refuses a metrics listen address without a metrics port, naming where it came from', () => {
    assert.deepEqual(problemsOf({ env: { HERALD_METRICS_HOST: '127.0.0.1' } }), [
      'HERALD_METRICS_HOST: a metrics listen address needs a metrics port (HERALD_METRICS_PORT or --metrics-port)',
    ]);
    assert.match(problemsOf({ env: {}, flags: { metricsHost: { value: '127.0.0.1', flag: '--metrics-host' } } })[0], /^--metrics-host: /);
  });

  it('lets a command-line flag beat the environment', () => {
    const config = loadConfig({ env: { HERALD_PORT: '7001' }, flags: { port: { value: 7002, flag: '--port' } } });
    assert.equal(config.server.port, 7002);
  });

  it('names the environment variable that holds a bad value', () => {
    for (const bad of ['abc', '70000', '-1', '1.5', '']) {
      const problems = problemsOf({ env: { HERALD_PORT: bad } });
      assert.equal(problems.length, 1, `HERALD_PORT=${JSON.stringify(bad)}: ${problems.join('; ')}`);
      assert.match(problems[0], /^HERALD_PORT: /);
    }
    assert.match(problemsOf({ env: { HERALD_NATS_URL: 'http://nats:4222' } })[0], /^HERALD_NATS_URL: must be a nats:\/\/ URL/);
    assert.match(problemsOf({ env: { HERALD_LOG_LEVEL: 'loud' } })[0], /^HERALD_LOG_LEVEL: /);
  });

  it('takes NATS authentication one way at most, a password with its user, and only with a NATS URL', () => {
    const nats = { HERALD_NATS_URL: 'nats://n:4222' };
    assert.equal(loadConfig({ env: { ...nats, HERALD_NATS_USER: 'u', HERALD_NATS_PASSWORD: 'p' } }).server.natsUser, 'u');
    assert.equal(loadConfig({ env: { ...nats, HERALD_NATS_TOKEN: 't' } }).server.natsToken, 't');
    assert.match(problemsOf({ env: { ...nats, HERALD_NATS_PASSWORD: 'p' } })[0], /^HERALD_NATS_PASSWORD: a password needs its user/);
    assert.match(problemsOf({ env: { ...nats, HERALD_NATS_USER: 'u', HERALD_NATS_TOKEN: 't' } })[0], /give one way, not a user and password and a token/);
    assert.match(problemsOf({ env: { HERALD_NATS_URL: 'nats://u:p@n:4222', HERALD_NATS_TOKEN: 't' } })[0], /^HERALD_NATS_URL: a URL with user:password@ and a token/);
    assert.match(problemsOf({ env: { HERALD_NATS_TOKEN: 't' } })[0], /no NATS URL/);
  });

  it('names the flag that holds a bad value, even when the environment is fine', () => {
    const problems = problemsOf({ env: { HERALD_PORT: '7001' }, flags: { port: { value: 'seventy', flag: '--port' } } });
    assert.equal(problems.length, 1);
    assert.match(problems[0], /^--port: /);
  });

  it('reports an unknown HERALD_ variable instead of ignoring it, and ignores other variables', () => {
    const problems = problemsOf({ env: { HERALD_FOO: '1', NODE_ENV: 'production' } });
    assert.equal(problems.length, 1);
    assert.match(problems[0], /^HERALD_FOO: unknown setting \(known: .*HERALD_PORT/);
  });

  /** Exactly what Kubernetes sets in every pod of the namespace for Service `name` (ports by name). */
  function serviceLinks(name: string, ip: string, ports: Record<string, number>): Record<string, string> {
    const prefix = name.toUpperCase().replace(/-/g, '_');
    const [first] = Object.values(ports);
    const vars: Record<string, string> = {
      [`${prefix}_SERVICE_HOST`]: ip,
      [`${prefix}_SERVICE_PORT`]: String(first),
      [`${prefix}_PORT`]: `tcp://${ip}:${first}`,
    };
    for (const [portName, port] of Object.entries(ports)) {
      vars[`${prefix}_SERVICE_PORT_${portName.toUpperCase().replace(/-/g, '_')}`] = String(port);
      vars[`${prefix}_PORT_${port}_TCP`] = `tcp://${ip}:${port}`;
      vars[`${prefix}_PORT_${port}_TCP_PROTO`] = 'tcp';
      vars[`${prefix}_PORT_${port}_TCP_PORT`] = String(port);
      vars[`${prefix}_PORT_${port}_TCP_ADDR`] = ip;
    }
    return vars;
  }

  it('ignores the service-link variables Kubernetes sets for Services named herald and herald-gateway', () => {
    const env = {
      ...serviceLinks('herald', '10.96.0.10', { ws: 6001, metrics: 9464 }),
      ...serviceLinks('herald-gateway', '10.96.0.11', { ws: 6001 }),
      ...serviceLinks('herald-api', '10.96.0.12', { http: 6002 }),
    };
    assert.equal(env.HERALD_PORT, 'tcp://10.96.0.10:6001', 'a Service named herald collides with HERALD_PORT');
    assert.ok('HERALD_GATEWAY_PORT_6001_TCP_ADDR' in env && 'HERALD_SERVICE_PORT_METRICS' in env);
    const config = loadConfig({ env });
    assert.equal(config.server.port, undefined, "the service link is not taken for Herald's port");

    // Herald's own settings beside them still apply, and still win.
    const withPort = loadConfig({ env: { ...env, HERALD_PORT: '7001', HERALD_GATEWAY_ID: 'gw-a' } });
    assert.deepEqual([withPort.server.port, withPort.server.gatewayId], [7001, 'gw-a']);
  });

  it('still refuses typos and values that only look like service links by name', () => {
    const problems = problemsOf({
      env: { HERALD_PROT: '7001', HERALD_GATEWAY_PORT: '6001', HERALD_SERVICE_HOST: 'not a host', HERALD_PORT_6001_TCP: 'http://x' },
    });
    assert.deepEqual(problems.map((p) => p.split(':')[0]).sort(), ['HERALD_GATEWAY_PORT', 'HERALD_PORT_6001_TCP', 'HERALD_PROT', 'HERALD_SERVICE_HOST']);
  });

  it('reports every problem at once', () => {
    const problems = problemsOf({ env: { HERALD_PROT: '7001', HERALD_PORT: 'x', HERALD_PONG_TIMEOUT: '0' } });
    assert.equal(problems.length, 3, problems.join('; '));
    assert.ok(problems.some((p) => p.startsWith('HERALD_PROT: unknown setting')));
    assert.ok(problems.some((p) => p.startsWith('HERALD_PORT: ')));
    assert.ok(problems.some((p) => p.startsWith('HERALD_PONG_TIMEOUT: ')));
  });

  it('refuses a lease TTL that is not longer than the renewal interval, naming the variable', () => {
    const problems = problemsOf({ env: { HERALD_LEASE_INTERVAL_MS: '5000', HERALD_LEASE_TTL_MS: '5000' } });
    assert.match(problems[0], /^HERALD_LEASE_TTL_MS: the lease TTL \(5000 ms\) must be longer than the renewal interval \(5000 ms\)/);
  });

  it('refuses a webhook ack wait that a slow delivery could outlast, naming the variable', () => {
    const problems = problemsOf({ env: { HERALD_WEBHOOK_TIMEOUT_MS: '4000', HERALD_WEBHOOK_ACK_WAIT_MS: '4000' } });
    assert.match(problems[0], /^HERALD_WEBHOOK_ACK_WAIT_MS: the webhook ack wait \(4000 ms\) must be longer than a delivery can take \(timeout 4000 ms \+ 250 ms batching\)/);
    assert.doesNotThrow(() => loadConfig({ env: { HERALD_WEBHOOK_TIMEOUT_MS: '4000', HERALD_WEBHOOK_ACK_WAIT_MS: '4251' } }));
  });

  it('reads the connection-flood, HTTP timeout and TLS settings, off or generous by default', () => {
    const defaults = loadConfig({ env: {} }).server;
    assert.deepEqual(
      [defaults.maxConnectionsPerIp, defaults.maxConnectionRatePerIp, defaults.trustedProxies, defaults.maxConnectionsPerProcess, defaults.overloadMaxRssMb],
      [0, 0, [], 0, 0],
    );
    assert.equal(defaults.overloadMaxHeapPercent, 90);
    assert.deepEqual([defaults.httpHeadersTimeoutMs, defaults.httpRequestTimeoutMs, defaults.httpKeepAliveTimeoutMs], [10_000, 30_000, 72_000]);
    assert.equal(defaults.tlsCertFile, undefined);
    const server = loadConfig({
      env: {
        HERALD_MAX_CONNECTIONS_PER_IP: '50',
        HERALD_MAX_CONNECTION_RATE_PER_IP: '20',
        HERALD_TRUSTED_PROXIES: '10.0.0.0/8, fd00::/8,loopback',
        HERALD_MAX_CONNECTIONS_PER_PROCESS: '20000',
        HERALD_OVERLOAD_MAX_RSS_MB: '1500',
        HERALD_OVERLOAD_MAX_HEAP_PERCENT: '0',
        HERALD_HTTP_HEADERS_TIMEOUT_MS: '5000',
        HERALD_HTTP_REQUEST_TIMEOUT_MS: '5000',
        HERALD_HTTP_KEEP_ALIVE_TIMEOUT_MS: '65000',
        HERALD_TLS_CERT_FILE: '/tls/tls.crt',
        HERALD_TLS_KEY_FILE: '/tls/tls.key',
        HERALD_TLS_CA_FILE: '/tls/ca.crt',
        HERALD_TLS_KEY_PASSPHRASE: 'pass',
        HERALD_TLS_RELOAD_INTERVAL_MS: '1000',
      },
    }).server;
    assert.deepEqual(
      [server.maxConnectionsPerIp, server.maxConnectionRatePerIp, server.trustedProxies, server.maxConnectionsPerProcess, server.overloadMaxRssMb, server.overloadMaxHeapPercent],
      [50, 20, ['10.0.0.0/8', 'fd00::/8', 'loopback'], 20000, 1500, 0],
    );
    assert.deepEqual([server.httpHeadersTimeoutMs, server.httpRequestTimeoutMs, server.httpKeepAliveTimeoutMs], [5000, 5000, 65000]);
    assert.deepEqual(
      [server.tlsCertFile, server.tlsKeyFile, server.tlsCaFile, server.tlsKeyPassphrase, server.tlsReloadIntervalMs],
      ['/tls/tls.crt', '/tls/tls.key', '/tls/ca.crt', 'pass', 1000],
    );
  });

  it('refuses a trusted proxy that is not an address or range, naming the variable', () => {
    const problems = problemsOf({ env: { HERALD_TRUSTED_PROXIES: '10.0.0.1,ingress-nginx' } });
    assert.equal(problems.length, 1, problems.join('; '));
    assert.match(problems[0], /^HERALD_TRUSTED_PROXIES: "ingress-nginx" is not an IP address/);
  });

  it('refuses a headers timeout longer than the request timeout', () => {
    const problems = problemsOf({ env: { HERALD_HTTP_HEADERS_TIMEOUT_MS: '40000' } });
    assert.match(problems[0], /^HERALD_HTTP_HEADERS_TIMEOUT_MS: the headers timeout \(40000 ms\) must not be longer than the request timeout \(30000 ms\)/);
  });

  it('refuses a TLS certificate without its key and the reverse, and TLS extras without either', () => {
    assert.match(problemsOf({ env: { HERALD_TLS_CERT_FILE: '/tls/tls.crt' } })[0], /^HERALD_TLS_CERT_FILE: a certificate needs its private key/);
    assert.match(problemsOf({ env: { HERALD_TLS_KEY_FILE: '/tls/tls.key' } })[0], /^HERALD_TLS_KEY_FILE: a private key needs its certificate/);
    const extras = problemsOf({ env: { HERALD_TLS_CA_FILE: '/tls/ca.crt', HERALD_TLS_KEY_PASSPHRASE: 'x' } });
    assert.deepEqual(
      extras.map((p) => p.split(':')[0]),
      ['HERALD_TLS_CA_FILE', 'HERALD_TLS_KEY_PASSPHRASE'],
    );
  });
});

describe('loadConfig: apps', () => {
  const YAML_APPS = [
    'apps:',
    '  - id: shop',
    '    key: shop-key',
    '    secret: shop-secret',
    '    limits:',
    '      maxPresenceMembers: 5',
    '  - id: blog',
    '    key: blog-key',
    '    secret: blog-secret',
    '    clientEvents: false',
    '    webhooks:',
    '      - url: https://hooks.example.com/pusher',
    '        events: [channel_occupied, member_added]',
    '',
  ].join('\n');

  it('reads apps from a YAML file named by HERALD_APPS_FILE, with defaults for what is left out', () => {
    const config = loadConfig({ env: { HERALD_APPS_FILE: '/etc/herald/apps.yaml' }, readFile: withFiles({ '/etc/herald/apps.yaml': YAML_APPS }) });
    assert.equal(config.appsSource, '/etc/herald/apps.yaml');
    assert.deepEqual(
      config.apps.map((a) => [a.id, a.key, a.secret]),
      [
        ['shop', 'shop-key', 'shop-secret'],
        ['blog', 'blog-key', 'blog-secret'],
      ],
    );
    assert.equal(config.apps[0].limits.maxPresenceMembers, 5);
    assert.equal(config.apps[0].limits.maxEventPayloadBytes, 10240, 'other limits keep their defaults');
    assert.equal(config.apps[1].clientEvents, false);
    assert.deepEqual(config.apps[1].webhooks, [{ url: 'https://hooks.example.com/pusher', events: ['channel_occupied', 'member_added'], headers: {} }]);
  });

  it('reads apps from a JSON file named by --apps, which wins over HERALD_APPS_FILE', () => {
    const json = JSON.stringify({ apps: [{ id: 'one', key: 'k1', secret: 's1', enabled: false }] }, null, 2);
    const config = loadConfig({
      env: { HERALD_APPS_FILE: '/missing.yaml' },
      appsFile: '/srv/apps.json',
      readFile: withFiles({ '/srv/apps.json': json }),
    });
    assert.equal(config.appsSource, '/srv/apps.json');
    assert.deepEqual(
      config.apps.map((a) => [a.id, a.enabled]),
      [['one', false]],
    );
  });

  it('reports the file, the line and the field of a bad value', () => {
    const bad = YAML_APPS.replace('maxPresenceMembers: 5', 'maxPresenceMembers: lots');
    const problems = problemsOf({ env: {}, appsFile: '/etc/herald/apps.yaml', readFile: withFiles({ '/etc/herald/apps.yaml': bad }) });
    assert.equal(problems.length, 1);
    assert.match(problems[0], /^apps file \/etc\/herald\/apps\.yaml:6: apps\[0\]\.limits\.maxPresenceMembers: /);
  });

  it('reports the line of the app that lacks a required field', () => {
    const bad = YAML_APPS.replace('    secret: blog-secret\n', '');
    const problems = problemsOf({ env: {}, appsFile: 'apps.yaml', readFile: withFiles({ 'apps.yaml': bad }) });
    assert.equal(problems.length, 1);
    assert.match(problems[0], /^apps file apps\.yaml:7: apps\[1\]\.secret: /);
  });

  it('reports the line of a bad value in a JSON file, and unknown fields', () => {
    const json = '{\n  "apps": [\n    {\n      "id": "bad id!",\n      "key": "k",\n      "secret": "s",\n      "sekret": "typo"\n    }\n  ]\n}\n';
    const problems = problemsOf({ env: {}, appsFile: 'apps.json', readFile: withFiles({ 'apps.json': json }) });
    assert.equal(problems.length, 2, problems.join('; '));
    assert.ok(
      problems.some((p) => /^apps file apps\.json:4: apps\[0\]\.id: app id may only contain/.test(p)),
      problems.join('; '),
    );
    assert.ok(
      problems.some((p) => /^apps file apps\.json:\d+: apps\[0\]: Unrecognized key: "sekret"/.test(p)),
      problems.join('; '),
    );
  });

  it('reports YAML syntax errors with the file and the position', () => {
    const problems = problemsOf({ env: {}, appsFile: 'apps.yaml', readFile: withFiles({ 'apps.yaml': 'apps:\n  - id: one\n   key: [\n' }) });
    assert.ok(problems.length > 0);
    assert.match(problems[0], /^apps file apps\.yaml: .*line \d+, column \d+/);
  });

  it('reports a file that cannot be read, and one without apps', () => {
    assert.match(problemsOf({ env: {}, appsFile: '/nope.yaml', readFile: withFiles({}) })[0], /^apps file \/nope\.yaml: cannot be read \(ENOENT/);
    assert.ok(problemsOf({ env: {}, appsFile: 'a.yaml', readFile: withFiles({ 'a.yaml': 'apps: []\n' }) }).some((p) => /at least one app is required/.test(p)));
  });

  it('refuses two apps with the same key, or the same id', () => {
    const sameKey = YAML_APPS.replace('key: blog-key', 'key: shop-key');
    assert.deepEqual(problemsOf({ env: {}, appsFile: 'apps.yaml', readFile: withFiles({ 'apps.yaml': sameKey }) }), ['apps file apps.yaml: two apps have the key "shop-key"']);
    const sameId = YAML_APPS.replace('id: blog', 'id: shop');
    assert.deepEqual(problemsOf({ env: {}, appsFile: 'apps.yaml', readFile: withFiles({ 'apps.yaml': sameId }) }), ['apps file apps.yaml: two apps have the id "shop"']);
  });

  it('refuses HERALD_APP_* variables together with an apps file, naming each', () => {
    const problems = problemsOf({
      env: { HERALD_APPS_FILE: 'apps.yaml', HERALD_APP_KEY: 'k', HERALD_APP_SECRET: 's' },
      readFile: withFiles({ 'apps.yaml': YAML_APPS }),
    });
    assert.deepEqual(
      problems.map((p) => p.split(':')[0]),
      ['HERALD_APP_KEY', 'HERALD_APP_SECRET'],
    );
    assert.match(problems[0], /not used when an apps file is given \(apps\.yaml\)/);
  });

  it('builds the single app from HERALD_APP_ID / KEY / SECRET, naming the variable of a bad value', () => {
    const config = loadConfig({ env: { HERALD_APP_ID: 'prod', HERALD_APP_KEY: 'prod-key', HERALD_APP_SECRET: 'prod-secret' } });
    assert.deepEqual(
      config.apps.map((a) => [a.id, a.key, a.secret]),
      [['prod', 'prod-key', 'prod-secret']],
    );
    const problems = problemsOf({ env: { HERALD_APP_ID: 'not valid!' } });
    assert.equal(problems.length, 1);
    assert.match(problems[0], /^HERALD_APP_ID: app id may only contain/);
  });
});
