/**
 * A Herald cluster of real processes for a test file: gateways, presence replicas, an api
 * and optionally `herald webhooks` processes on a NATS server (or cluster) the test started.
 * Short leases keep failure tests quick.
 */
import { type HeraldProcess, startHeraldProcess } from '../helpers/herald-process';
import { type AppCredentials, serverSdk } from '../helpers/pusher-clients';
import { DEFAULT_TEST_APP, type TestApp, writeAppsFile } from '../helpers/test-herald';

export interface ClusterOptions {
  readonly natsUrls: readonly string[];
  readonly gateways?: number;
  readonly presence?: number;
  /** `herald webhooks` processes (default none). */
  readonly webhooks?: number;
  readonly apps?: TestApp[];
  /** Extra HERALD_* settings for every process. */
  readonly env?: Record<string, string>;
}

const FAST_LEASES = {
  HERALD_LEASE_INTERVAL_MS: '500',
  HERALD_LEASE_TTL_MS: '2000',
  HERALD_PRESENCE_SYNC_GRACE_MS: '500',
  HERALD_BUS_TIMEOUT_MS: '1000',
};

export class TestCluster {
  readonly gateways: HeraldProcess[] = [];
  readonly presence: HeraldProcess[] = [];
  readonly webhooks: HeraldProcess[] = [];
  api!: HeraldProcess;

  private constructor(
    readonly options: ClusterOptions,
    readonly appsFile: string,
    readonly app: TestApp,
  ) {}

  static async start(options: ClusterOptions): Promise<TestCluster> {
    const apps = options.apps ?? [DEFAULT_TEST_APP];
    const cluster = new TestCluster(options, writeAppsFile(apps), apps[0]);
    for (let i = 0; i < (options.presence ?? 2); i++) await cluster.startPresence();
    cluster.api = await cluster.startService('api', 'api');
    for (let i = 0; i < (options.gateways ?? 2); i++) await cluster.startGateway();
    for (let i = 0; i < (options.webhooks ?? 0); i++) await cluster.startWebhooks();
    return cluster;
  }

  get env(): Record<string, string> {
    return { ...FAST_LEASES, ...this.options.env };
  }

  async startGateway(extra: { env?: Record<string, string>; args?: string[]; port?: number } = {}): Promise<HeraldProcess> {
    const gateway = await this.startService('gateway', `gateway-${this.gateways.length + 1}`, extra);
    this.gateways.push(gateway);
    return gateway;
  }

  async startPresence(): Promise<HeraldProcess> {
    const replica = await this.startService('presence', `presence-${this.presence.length + 1}`);
    this.presence.push(replica);
    return replica;
  }

  /** Kills gateway `index` (SIGKILL) and starts a new gateway process on its port in its place. */
  async restartGateway(index: number): Promise<HeraldProcess> {
    const old = this.gateways[index];
    await old.kill('SIGKILL');
    const gateway = await this.startService('gateway', old.name, { port: old.port });
    this.gateways[index] = gateway;
    return gateway;
  }

  async startWebhooks(): Promise<HeraldProcess> {
    const webhooks = await this.startService('webhooks', `webhooks-${this.webhooks.length + 1}`);
    this.webhooks.push(webhooks);
    return webhooks;
  }

  /** The `pusher` server SDK pointed at the api process. */
  sdk(app: AppCredentials = this.app) {
    return serverSdk({ port: this.api.port }, app);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.gateways, this.api, ...this.presence, ...this.webhooks].filter(Boolean).map((p) => p.kill('SIGKILL')));
  }

  private startService(
    command: 'gateway' | 'presence' | 'api' | 'webhooks',
    name: string,
    extra: { env?: Record<string, string>; args?: string[]; port?: number } = {},
  ): Promise<HeraldProcess> {
    return startHeraldProcess({
      command,
      name,
      nats: this.options.natsUrls,
      appsFile: this.appsFile,
      env: { ...this.env, ...extra.env },
      args: extra.args,
      port: extra.port,
    });
  }
}
