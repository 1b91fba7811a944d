#!/usr/bin/env node
// Writes helm/herald/values.schema.json, the chart's values schema (draft-07), so that bad values
// fail `helm install` / `helm template` with a message. Two parts come from Herald itself, so the
// chart refuses what Herald would refuse: the apps (from the apps file's zod schema) and the
// HERALD_* settings `env` may set (Herald's variables, less those the chart sets itself).
// Needs the build (`npm run build`). `--check` exits 1 when the file is not up to date.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const target = path.join(root, 'helm/herald/values.schema.json');
const dist = path.join(root, 'dist/services/core/src');
const { z } = require('zod');
const { appSchema } = require(path.join(dist, 'config/app-schema.js'));
const { SERVER_ENV_VARS } = require(path.join(dist, 'config/env-vars.js'));

/** Set by the chart from its own values; `env` may not set them too. */
const SET_BY_THE_CHART = [
  'HERALD_PORT',
  'HERALD_METRICS_PORT',
  'HERALD_NATS_URL',
  'HERALD_NATS_USER',
  'HERALD_NATS_PASSWORD',
  'HERALD_NATS_TOKEN',
  'HERALD_NATS_CREDS_FILE',
  'HERALD_LOG_LEVEL',
  'HERALD_GATEWAY_WORKERS',
  'HERALD_DRAIN_RATE',
  'HERALD_DRAIN_TIMEOUT_MS',
];

function appDefinition() {
  const { $schema: _ignored, ...schema } = z.toJSONSchema(appSchema, { target: 'draft-7', io: 'input' });
  // An app's secret may be left out: the chart generates one and keeps it across upgrades.
  const secret = { type: 'string', description: 'empty or left out: generated on install, kept on upgrades' };
  // `id: 1` in YAML is a number; the chart writes it into the apps file as the string Herald wants.
  const id = { anyOf: [schema.properties.id, { type: 'integer', minimum: 0 }] };
  return { ...schema, properties: { ...schema.properties, id, secret }, required: schema.required.filter((name) => name !== 'secret') };
}

function heraldEnvDefinition() {
  const names = Object.keys(SERVER_ENV_VARS)
    .filter((name) => !SET_BY_THE_CHART.includes(name))
    .sort();
  return {
    type: 'object',
    description: `HERALD_* settings (README, Configuration); set by the chart itself, so not here: ${SET_BY_THE_CHART.join(', ')}`,
    additionalProperties: false,
    properties: Object.fromEntries(names.map((name) => [name, { type: ['string', 'integer', 'number', 'boolean'] }])),
  };
}

/** JSON Schema's if/then (a `then` key written out would make the object a thenable to the linter). */
const when = (condition, consequence) =>
  Object.fromEntries([
    ['if', condition],
    ['then', consequence],
  ]);
const nameRef = { type: 'object', additionalProperties: false, properties: { name: { type: 'string' }, key: { type: 'string', minLength: 1 } }, required: ['name', 'key'] };
const obj = (properties, required = []) => ({ type: 'object', additionalProperties: false, properties, ...(required.length ? { required } : {}) });
const anyObject = { type: 'object' };
const stringMap = { type: 'object', additionalProperties: { type: 'string' } };
const resources = obj({ requests: anyObject, limits: anyObject, claims: { type: 'array' } });
const pdb = obj({ enabled: { type: 'boolean' }, maxUnavailable: { type: ['integer', 'string'] } }, ['enabled', 'maxUnavailable']);
const placement = { podAnnotations: stringMap, podLabels: stringMap, nodeSelector: stringMap, tolerations: { type: 'array' }, affinity: anyObject };
const service = obj({ type: { enum: ['ClusterIP', 'NodePort', 'LoadBalancer'] }, port: { type: 'integer', minimum: 1, maximum: 65535 }, annotations: stringMap }, ['type', 'port']);
const autoscaling = obj(
  {
    enabled: { type: 'boolean' },
    minReplicas: { type: 'integer', minimum: 1 },
    maxReplicas: { type: 'integer', minimum: 1 },
    targetCPUUtilizationPercentage: { type: 'integer', minimum: 1, maximum: 100 },
    metrics: { type: 'array', items: anyObject, description: 'autoscaling/v2 MetricSpec entries added to the CPU target' },
  },
  ['enabled', 'minReplicas', 'maxReplicas', 'targetCPUUtilizationPercentage'],
);
const env = { $ref: '#/definitions/heraldEnv' };
const grace = { type: 'integer', minimum: 1 };
const preStop = { type: 'integer', minimum: 0, maximum: 120 };
const probe = obj({ periodSeconds: { type: 'integer', minimum: 1 }, failureThreshold: { type: 'integer', minimum: 1 }, timeoutSeconds: { type: 'integer', minimum: 1 } });
const base = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'Herald Helm chart values',
  type: 'object',
  additionalProperties: false,
  properties: {
    nameOverride: { type: 'string' },
    fullnameOverride: { type: 'string' },
    global: anyObject,
    image: obj({ repository: { type: 'string', minLength: 1 }, tag: { type: 'string' }, pullPolicy: { enum: ['Always', 'IfNotPresent', 'Never'] } }, ['repository']),
    imagePullSecrets: { type: 'array', items: obj({ name: { type: 'string', minLength: 1 } }, ['name']) },
    nats: {
      ...obj(
        {
          url: {
            type: 'string',
            pattern: '^(nats|tls|ws|wss)://[^,\\s]+(,\\s*(nats|tls|ws|wss)://[^,\\s]+)*$',
            description: 'NATS servers, comma-separated nats:// (tls://, ws://, wss://) URLs',
          },
          urlSecret: obj({ name: { type: 'string' }, key: { type: 'string', minLength: 1 } }, ['name', 'key']),
          auth: obj(
            {
              type: { enum: ['none', 'user', 'token', 'creds'], description: 'how Herald authenticates to NATS' },
              secretName: { type: 'string', description: 'the Secret holding the credentials (keys: user and password, token, or creds)' },
              userKey: { type: 'string', minLength: 1 },
              passwordKey: { type: 'string', minLength: 1 },
              tokenKey: { type: 'string', minLength: 1 },
              credsKey: { type: 'string', minLength: 1 },
            },
            ['type'],
          ),
        },
        ['url'],
      ),
      // Credentials need the Secret that holds them.
      allOf: [
        when(
          { properties: { auth: { properties: { type: { enum: ['user', 'token', 'creds'] } }, required: ['type'] } }, required: ['auth'] },
          { properties: { auth: { properties: { secretName: { minLength: 1 } }, required: ['secretName'] } } },
        ),
      ],
    },
    apps: {
      ...obj(
        {
          source: { enum: ['values', 'existingSecret', 'postgres'] },
          list: { type: 'array', items: { $ref: '#/definitions/app' } },
          existingSecret: nameRef,
          postgres: obj({ url: { type: 'string', anyOf: [{ maxLength: 0 }, { pattern: '^postgres(ql)?://' }] }, existingSecret: nameRef }),
        },
        ['source'],
      ),
      allOf: [
        when({ properties: { source: { const: 'values' } } }, { properties: { list: { minItems: 1 } }, required: ['list'] }),
        when({ properties: { source: { const: 'existingSecret' } } }, { properties: { existingSecret: { properties: { name: { minLength: 1 } } } } }),
        when(
          { properties: { source: { const: 'postgres' } } },
          { properties: { postgres: { anyOf: [{ properties: { url: { minLength: 1 } } }, { properties: { existingSecret: { properties: { name: { minLength: 1 } } } } }] } } },
        ),
      ],
    },
    env,
    extraEnv: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name'],
        properties: { name: { type: 'string', not: { pattern: '^HERALD_' }, description: 'HERALD_* settings go in env, where the schema knows them' } },
      },
    },
    logLevel: { enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] },
    metrics: obj({ port: { type: ['integer', 'null'], minimum: 1, maximum: 65535, not: { enum: [6001, 6002, 6003, 6004] } } }),
    tracing: obj({
      endpoint: { type: 'string', anyOf: [{ maxLength: 0 }, { pattern: '^https?://' }] },
      samplerRatio: { type: 'number', minimum: 0, maximum: 1 },
      resourceAttributes: { type: 'string' },
    }),
    serviceAccount: obj({ create: { type: 'boolean' }, name: { type: 'string' }, annotations: stringMap }),
    podSecurityContext: anyObject,
    containerSecurityContext: anyObject,
    topologySpread: obj({
      enabled: { type: 'boolean' },
      maxSkew: { type: 'integer', minimum: 1 },
      topologyKeys: { type: 'array', items: { type: 'string' } },
      whenUnsatisfiable: { enum: ['ScheduleAnyway', 'DoNotSchedule'] },
    }),
    rollout: obj({ maxUnavailable: { type: ['integer', 'string'] }, maxSurge: { type: ['integer', 'string'] } }),
    probes: obj({ startup: probe, liveness: probe, readiness: probe }),
    gateway: obj(
      {
        replicas: { type: 'integer', minimum: 1 },
        workers: { type: 'integer', minimum: 0, maximum: 256, description: '0 = the CPU limit in whole cores (at least 1)' },
        resources,
        drain: obj({ rate: { type: 'integer', minimum: 1 }, timeoutMs: { type: 'integer', minimum: 0 } }, ['rate', 'timeoutMs']),
        preStopSleepSeconds: preStop,
        shutdownMarginSeconds: { type: 'integer', minimum: 1 },
        env,
        service,
        autoscaling,
        pdb,
        ...placement,
      },
      ['replicas', 'drain', 'service', 'autoscaling', 'pdb'],
    ),
    presence: obj(
      {
        replicas: { type: 'integer', minimum: 2, description: 'at least 2: a replica may die without losing membership' },
        resources,
        terminationGracePeriodSeconds: grace,
        env,
        pdb,
        ...placement,
      },
      ['replicas', 'pdb'],
    ),
    api: obj(
      { replicas: { type: 'integer', minimum: 1 }, resources, preStopSleepSeconds: preStop, terminationGracePeriodSeconds: grace, env, service, autoscaling, pdb, ...placement },
      ['replicas', 'service', 'autoscaling', 'pdb'],
    ),
    webhooks: obj({ replicas: { type: 'integer', minimum: 1 }, resources, terminationGracePeriodSeconds: grace, env, pdb, ...placement }, ['replicas', 'pdb']),
    ingress: obj({ enabled: { type: 'boolean' }, className: { type: 'string' }, annotations: stringMap, host: { type: 'string', minLength: 1 }, tls: { type: 'array' } }),
    httpRoute: {
      ...obj({ enabled: { type: 'boolean' }, annotations: stringMap, parentRefs: { type: 'array', items: anyObject }, hostnames: { type: 'array', items: { type: 'string' } } }),
      ...when({ properties: { enabled: { const: true } } }, { properties: { parentRefs: { minItems: 1 } } }),
    },
    monitoring: obj({
      serviceMonitor: obj({ enabled: { type: 'boolean' }, interval: { type: 'string' }, labels: stringMap }),
      prometheusRule: obj({ enabled: { type: 'boolean' }, labels: stringMap }),
      grafanaDashboard: obj({ enabled: { type: 'boolean' }, labels: stringMap, annotations: stringMap }),
    }),
    helmTest: obj({
      enabled: { type: 'boolean' },
      timeoutMs: { type: 'integer', minimum: 1000 },
      app: obj({ id: { type: 'string' }, key: { type: 'string' }, secretRef: obj({ name: { type: 'string' }, key: { type: 'string' } }) }),
    }),
  },
  definitions: {},
};

const schema = { ...base, definitions: { app: appDefinition(), heraldEnv: heraldEnvDefinition() } };
const text = `${JSON.stringify(schema, null, 2)}\n`;
if (process.argv.includes('--check')) {
  const current = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : '';
  if (current !== text) {
    process.stderr.write(`${path.relative(root, target)} is not up to date: run node scripts/chart-values-schema.js\n`);
    process.exit(1);
  }
} else {
  fs.writeFileSync(target, text);
  process.stdout.write(`wrote ${path.relative(root, target)}\n`);
}
