/**
 * The shipped Grafana dashboard (deploy/grafana/herald-dashboard.json) against the real thing:
 * a Prometheus server (Debian's package) scrapes a Herald cluster on a real nats-server — two
 * gateways, the api, two presence replicas, a webhooks process — under a small load from the
 * official SDKs, with the shipped rules loaded. Every panel's query, with its variables filled
 * in as Grafana fills them, must return data; every rule's expression must be valid PromQL over
 * metrics Herald exports. Also the dashboard's shape: data source, targets, unique ids, variables.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type PusherJs from 'pusher-js';
import { TestCluster } from '../cluster/cluster-fixture';
import { type NatsServer, startNatsServer } from '../helpers/nats';
import { OpenClients } from '../helpers/open-clients';
import { type PrometheusServer, SCRAPE_INTERVAL_SECONDS, startPrometheus } from '../helpers/prometheus';
import { connectedClient, nextEvent, subscribed } from '../helpers/pusher-clients';
import { rawClient } from '../helpers/raw-client';
import type { TestApp } from '../helpers/test-herald';
import { waitFor } from '../helpers/wait';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver';
import { allPanels, dashboard, labelValuesQuery, RULES_FILE, rules } from './deploy-files';
import { GRAFANA_BUILTINS, type GrafanaTime, interpolate, prometheusRegexValue, variablesIn } from './grafana-interpolation';

const APP: TestApp = { id: 'dash-app', key: 'dash-key', secret: 'dash-secret', limits: { maxEventPayloadBytes: 128 * 1024 } };
/** The last 5 minutes on a panel about 1,000 pixels wide, on a data source set to Prometheus's 1 s scrape interval. */
const TIME: GrafanaTime = { rangeSeconds: 300, maxDataPoints: 1000, scrapeIntervalSeconds: SCRAPE_INTERVAL_SECONDS };
/** Small, so the paused socket below is cut off after a few MB (the loopback's kernel buffers fill first). */
const SOCKET_BUFFER_LIMIT = 64 * 1024;
const BIG_EVENT = 'x'.repeat(100 * 1024);

/** How every panel and variable names its data source: the dashboard's `datasource` variable. */
const DATASOURCE = { type: 'prometheus', uid: `\${datasource}` };

const metricsText = async (port: number) => (await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
const sampleSum = (text: string, metric: string) => [...text.matchAll(new RegExp(`^${metric}(?:\\{[^}]*\\})? (\\S+)`, 'gm'))].reduce((sum, m) => sum + Number(m[1]), 0);

describe('deploy/grafana dashboard', () => {
  const d = dashboard();
  const panels = allPanels(d);
  const queryPanels = panels.filter((p) => p.type !== 'row');
  const variables = d.templating.list;

  it('is a Grafana dashboard: schema 39+, a data source variable, every panel on it with targets, unique ids', () => {
    assert.ok(d.schemaVersion >= 39, `schemaVersion ${d.schemaVersion}`);
    assert.ok(d.uid && d.title);
    const datasource = variables.find((v) => v.name === 'datasource');
    assert.equal(datasource?.type, 'datasource');
    assert.equal((datasource as { query?: unknown } | undefined)?.query, 'prometheus');
    const ids = panels.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length, 'panel ids are unique');
    assert.ok(queryPanels.length >= 20, `${queryPanels.length} panels`);
    for (const panel of queryPanels) {
      assert.deepEqual(panel.datasource, DATASOURCE, `${panel.title}: datasource`);
      assert.ok((panel.targets ?? []).length > 0, `${panel.title}: targets`);
      const refIds = (panel.targets ?? []).map((t) => t.refId);
      assert.equal(new Set(refIds).size, refIds.length, `${panel.title}: unique refIds`);
      for (const target of panel.targets ?? []) {
        assert.deepEqual(target.datasource, DATASOURCE, `${panel.title} ${target.refId}: datasource`);
        assert.ok(target.expr.trim(), `${panel.title} ${target.refId}: expr`);
      }
      const { x, w } = panel.gridPos;
      assert.ok(x >= 0 && w > 0 && x + w <= 24, `${panel.title}: within the 24-column grid`);
    }
  });

  it('defines every variable its panels, titles and repeated rows use, app_id and node from label_values', () => {
    const defined = new Set(variables.map((v) => v.name));
    for (const name of ['app_id', 'node']) {
      const variable = variables.find((v) => v.name === name);
      assert.equal(variable?.type, 'query', `${name} is a query variable`);
      assert.deepEqual(variable?.datasource, DATASOURCE);
      assert.ok(labelValuesQuery(variable).selector);
    }
    for (const panel of panels) {
      if (panel.repeat) assert.ok(defined.has(panel.repeat), `${panel.title}: repeats over ${panel.repeat}`);
      const used = [panel.title, ...(panel.targets ?? []).map((t) => t.expr)].flatMap(variablesIn);
      for (const name of used) assert.ok(defined.has(name) || GRAFANA_BUILTINS.has(name), `${panel.title}: $${name} is defined`);
    }
  });

  describe('against Prometheus scraping a Herald cluster under load', () => {
    let nats: NatsServer;
    let cluster: TestCluster;
    let prometheus: PrometheusServer;
    let receiver: WebhookReceiver;
    let refusing: WebhookReceiver;
    const clients = new OpenClients();

    before(
      async () => {
        nats = await startNatsServer();
        receiver = await startWebhookReceiver(APP);
        // Refuses every client_event webhook: its deliveries fail until the retry window ends, then are dead-lettered.
        refusing = await startWebhookReceiver(APP);
        refusing.respondWith(...Array.from({ length: 1000 }, () => 500));
        APP.webhooks = [{ url: receiver.url }, { url: refusing.url, events: ['client_event'] }];
        cluster = await TestCluster.start({
          natsUrls: [nats.url],
          apps: [APP],
          gateways: 2,
          presence: 2,
          webhooks: 1,
          env: { HERALD_WEBHOOK_RETRY_WINDOW_MS: '1500', HERALD_MAX_SOCKET_BUFFER_BYTES: String(SOCKET_BUFFER_LIMIT) },
        });
        const processes = [...cluster.gateways, cluster.api, ...cluster.presence, ...cluster.webhooks];
        prometheus = await startPrometheus({ targets: processes.map((p) => `127.0.0.1:${p.port}`), ruleFiles: [RULES_FILE] });
        await load();
      },
      { timeout: 120_000 },
    );
    after(async () => {
      clients.closeAll();
      await prometheus?.stop();
      await cluster?.stop();
      await nats?.stop();
      await receiver?.close();
      await refusing?.close();
    });

    async function client(gateway: number, user: string): Promise<PusherJs> {
      return clients.pusher(await connectedClient({ port: cluster.gateways[gateway].port }, APP, { user: { id: user } }));
    }

    /** Public, private and presence subscribers on both gateways, triggers, a client event, a disconnect, a slow consumer. */
    async function load(): Promise<void> {
      const alice = await client(0, 'alice');
      const bob = await client(1, 'bob');
      for (const c of [alice, bob]) {
        for (const channel of ['dash-news', 'private-dash', 'presence-dash']) await subscribed(c, channel);
      }
      const sdk = cluster.sdk();
      const news = nextEvent(bob.channel('dash-news'), 'headline');
      await sdk.trigger(['dash-news', 'private-dash'], 'headline', { n: 1 });
      await sdk.triggerBatch([
        { channel: 'presence-dash', name: 'headline', data: { n: 2 } },
        { channel: 'dash-news', name: 'headline', data: { n: 3 } },
      ]);
      await news;
      await sdk.get({ path: '/channels', params: { filter_by_prefix: 'dash' } });

      const typing = nextEvent(bob.channel('private-dash'), 'client-typing');
      alice.channel('private-dash').trigger('client-typing', { who: 'alice' });
      await typing;

      const passerby = await client(1, 'carol');
      passerby.disconnect();

      // A subscriber that stops reading, cut off with 4100 once the kernel's buffers and Herald's are full.
      const slow = await rawClient(cluster.gateways[0].port, APP.key);
      clients.raw(slow);
      await slow.subscribe('dash-firehose');
      slow.socket.pause();
      const gatewayPort = cluster.gateways[0].port;
      for (let batch = 0; batch < 200 && sampleSum(await metricsText(gatewayPort), 'herald_gateway_slow_consumers_total') === 0; batch++) {
        await sdk.triggerBatch(Array.from({ length: 8 }, () => ({ channel: 'dash-firehose', name: 'burst', data: BIG_EVENT })));
      }
      assert.ok(sampleSum(await metricsText(gatewayPort), 'herald_gateway_slow_consumers_total') > 0, 'the paused socket was cut off');

      await receiver.waitForEvents((events) => events.some((e) => e.name === 'client_event'), 'the client_event webhook', 10_000);
      const webhooksPort = cluster.webhooks[0].port;
      await waitFor(async () => sampleSum(await metricsText(webhooksPort), 'herald_webhooks_dead_lettered_total') > 0, 'a dead-lettered webhook', 15_000, 200);
    }

    /** Each variable's values as Grafana's label_values() query lists them. */
    async function variableValues(name: string): Promise<string[]> {
      const variable = variables.find((v) => v.name === name) ?? assert.fail(name);
      const { selector, label } = labelValuesQuery(variable);
      return prometheus.labelValues(label, selector);
    }

    it('scrapes every Herald process', async () => {
      await waitFor(async () => (await prometheus.query('up == 1')).length === 6, 'Prometheus to scrape the 6 processes', 15_000, 200).catch(async (err: Error) => {
        throw new Error(`${err.message}: ${JSON.stringify(await prometheus.unhealthyTargets())}`);
      });
    });

    it("lists the app and both gateways in the variables' label_values", async () => {
      const nodes = await waitFor(
        async () => {
          const values = await variableValues('node');
          return values.length === 2 ? values : undefined;
        },
        'the two gateways in the node variable',
        15_000,
        200,
      );
      assert.ok(
        nodes.every((n) => n.includes('gateway')),
        `gateway nodes: ${nodes.join(', ')}`,
      );
      assert.ok((await variableValues('app_id')).includes(APP.id));
    });

    it('answers every panel query with data, the app and both gateways selected', async () => {
      const gateways = await variableValues('node');
      assert.ok(gateways.length > 0, 'the node variable lists the gateways');
      const values = { app_id: prometheusRegexValue([APP.id]), node: prometheusRegexValue(gateways) };
      const queries = queryPanels.flatMap((panel) =>
        (panel.targets ?? []).map((target) => ({ what: `${panel.title} (${target.refId})`, expr: interpolate(target.expr, values, TIME) })),
      );
      let empty: string[] = [];
      await waitFor(
        async () => {
          empty = [];
          for (const { what, expr } of queries) if ((await prometheus.query(expr)).length === 0) empty.push(`${what}: ${expr}`);
          return empty.length === 0;
        },
        'every panel query to return data',
        30_000,
        1000,
      ).catch(() => assert.fail(`${empty.length} of ${queries.length} panel queries returned no data:\n${empty.join('\n')}`));
    });

    it('evaluates every rule expression, over metrics Herald exports or the rules record', async () => {
      const known = new Set([...(await prometheus.labelValues('__name__')), ...rules().flatMap((r) => (r.record ? [r.record] : []))]);
      for (const rule of rules()) {
        const name = rule.alert ?? rule.record;
        await prometheus.query(rule.expr).catch((err: Error) => assert.fail(`${name}: ${err.message}`));
        const metrics = [...rule.expr.matchAll(/\b(herald_[a-z0-9_]+|[a-z_]+:[a-z0-9_:]+)\b/g)].map((m) => m[1]);
        for (const metric of metrics) assert.ok(known.has(metric), `${name}: ${metric} is a metric Herald exports (or a recorded one)`);
      }
    });
  });
});
