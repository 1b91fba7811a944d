/**
 * The Herald an SDK test talks to: embedded (one process, in the test), or a cluster of real
 * processes on a nats-server the test starts, where clients connect to one gateway process
 * and the SDK publishes through the api process, so every event crosses NATS.
 */
import { TestCluster } from '../cluster/cluster-fixture';
import { type NatsServer, startNatsServer } from '../helpers/nats';
import type { Endpoint } from '../helpers/pusher-clients';
import { startTestHerald, type TestApp, type TestHerald } from '../helpers/test-herald';

export type Mode = 'embedded' | 'cluster';

export interface HeraldTarget {
  readonly mode: Mode;
  /** Where pusher-js (or an SDK's client) connects. */
  readonly ws: Endpoint;
  /** Where a server SDK sends its HTTP API calls. */
  readonly api: Endpoint;
  /**
   * What takes over from `ws` in a rolling restart: a second gateway process (cluster), or a
   * new Herald process in the old one's place (embedded), with the API to publish through.
   */
  startReplacement(): Promise<{ ws: Endpoint; api: Endpoint }>;
  /** SIGTERM-like drain of `ws`: its clients get 4200 (reconnect now), then it stops. */
  drainOriginal(): Promise<void>;
  stop(): Promise<void>;
}

export async function startHeraldTarget(mode: Mode, apps: TestApp[]): Promise<HeraldTarget> {
  if (mode === 'embedded') {
    const herald = await startTestHerald({ apps });
    const stopped = new Set<TestHerald>();
    const started = [herald];
    const stopOnce = async (h: TestHerald) => {
      if (stopped.has(h)) return;
      stopped.add(h);
      await h.stop();
    };
    return {
      mode,
      ws: herald,
      api: herald,
      startReplacement: async () => {
        const replacement = await startTestHerald({ apps });
        started.push(replacement);
        return { ws: replacement, api: replacement };
      },
      drainOriginal: () => stopOnce(herald),
      stop: async () => {
        for (const h of started) await stopOnce(h);
      },
    };
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
  const [gateway, second] = cluster.gateways;
  return {
    mode,
    ws: { port: gateway.port },
    api: { port: cluster.api.port },
    startReplacement: async () => ({ ws: { port: second.port }, api: { port: cluster.api.port } }),
    drainOriginal: async () => {
      const { code } = await gateway.kill('SIGTERM');
      if (code !== 0) throw new Error(`the drained gateway exited with code ${code}`);
    },
    stop: async () => {
      await cluster.stop();
      await nats.stop();
    },
  };
}
