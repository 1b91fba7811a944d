/**
 * The Herald an SDK test talks to: embedded (one process, in the test), or a cluster of real
 * processes on a nats-server the test starts, where clients connect to one gateway process
 * and the SDK publishes through the api process, so every event crosses NATS.
 */
import { TestCluster } from '../cluster/cluster-fixture';
import { type NatsServer, startNatsServer } from '../helpers/nats';
import type { Endpoint } from '../helpers/pusher-clients';
import { startTestHerald, type TestApp } from '../helpers/test-herald';

export type Mode = 'embedded' | 'cluster';

export interface HeraldTarget {
  readonly mode: Mode;
  /** Where pusher-js (or an SDK's client) connects. */
  readonly ws: Endpoint;
  /** Where a server SDK sends its HTTP API calls. */
  readonly api: Endpoint;
  stop(): Promise<void>;
}

export async function startHeraldTarget(mode: Mode, apps: TestApp[]): Promise<HeraldTarget> {
  if (mode === 'embedded') {
    const herald = await startTestHerald({ apps });
    return { mode, ws: herald, api: herald, stop: () => herald.stop() };
  }
  let nats: NatsServer | undefined;
  let cluster: TestCluster | undefined;
  try {
    nats = await startNatsServer({ name: 'sdk-tests' });
    cluster = await TestCluster.start({ natsUrls: [nats.url], gateways: 2, webhooks: 1, apps });
  } catch (err) {
    await cluster?.stop();
    await nats?.stop();
    throw err;
  }
  const [gateway] = cluster.gateways;
  return {
    mode,
    ws: { port: gateway.port },
    api: { port: cluster.api.port },
    stop: async () => {
      await cluster.stop();
      await nats.stop();
    },
  };
}
