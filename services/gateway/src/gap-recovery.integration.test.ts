/**
 * GapRecovery against a real nats-server that is killed and restarted: the gateway's side
 * (a NatsBus with a subscription) misses what the api's side publishes through the journal
 * while it is cut off, and gets it back from the replay; a gap longer than the journal keeps
 * makes it give up and ask the sockets to reconnect.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { captureLogs } from '../../../test/helpers/log-capture';
import { type NatsServer, startNatsServer } from '../../../test/helpers/nats';
import { waitAdvancing, waitFor } from '../../../test/helpers/wait';
import type { BusStatus } from '../../core/src/bus/bus';
import { NatsBus } from '../../core/src/bus/nats-bus';
import { subjects } from '../../core/src/bus/subjects';
import type { JournalEntry } from '../../core/src/journal/event-journal';
import { JetStreamEventJournal } from '../../core/src/journal/jetstream-event-journal';
import { ManualClock } from '../../core/src/manual-clock';
import { GapRecovery } from './gap-recovery';
import { RecentEventIds } from './recent-event-ids';

const RETENTION_MS = 30_000;
const CHANNEL = subjects.channel('1', 'news');

describe('GapRecovery (a real nats-server, killed and restarted)', () => {
  let nats: NatsServer;
  const cleanups: Array<() => Promise<void> | void> = [];

  before(async () => {
    nats = await startNatsServer({ name: 'gap-recovery' });
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  after(() => nats?.stop());

  async function setUp(clock: ManualClock) {
    const gatewayBus = await NatsBus.connect({ servers: [nats.url], name: 'gateway', reconnectTimeWaitMs: 50 });
    const apiBus = await NatsBus.connect({ servers: [nats.url], name: 'api', reconnectTimeWaitMs: 50 });
    cleanups.push(
      () => gatewayBus.close(),
      () => apiBus.close(),
    );
    const settings = { retentionMs: RETENTION_MS, maxBytes: 8 * 1024 * 1024, replicas: 1, storage: 'file' as const };
    const apiJournal = await JetStreamEventJournal.open(apiBus, settings);
    const gatewayJournal = await JetStreamEventJournal.open(gatewayBus, settings);
    const statuses: BusStatus[] = [];
    gatewayBus.onStatus((s) => statuses.push(s));
    const live: string[] = [];
    const replayed: string[] = [];
    gatewayBus.subscribe(CHANNEL, (m) => live.push(Buffer.from(m.data).toString()));
    await gatewayBus.flush(1000);
    let unrecoverable = 0;
    const logs = captureLogs();
    const recovery = new GapRecovery({
      bus: gatewayBus,
      journal: gatewayJournal,
      clock,
      logger: logs.logger,
      recentIds: new RecentEventIds(),
      timeoutMs: 1000,
      localSubjects: () => [CHANNEL],
      deliver: (entry: JournalEntry) => replayed.push(Buffer.from(entry.data).toString()),
      onUnrecoverable: () => (unrecoverable += 1),
    });
    cleanups.push(() => recovery.stop());
    return { apiBus, apiJournal, statuses, live, replayed, unrecoverable: () => unrecoverable };
  }

  /** Kills nats-server; publishes through the api's journal once the api is back first; lets the gateway reconnect. */
  async function outage(env: Awaited<ReturnType<typeof setUp>>, publishDuring: string[], clock: ManualClock, outageMs: number) {
    await nats.kill('SIGKILL');
    await waitFor(() => env.statuses.includes('disconnected'), 'the gateway to notice');
    clock.advance(outageMs);
    await nats.restart();
    await waitFor(() => env.apiBus.isConnected(), 'the api to reconnect');
    for (const body of publishDuring) await env.apiJournal.publish([{ subject: CHANNEL, data: Buffer.from(body) }], 2000);
  }

  it('replays what was stored while the gateway was cut off', async () => {
    const clock = new ManualClock(Date.now());
    const env = await setUp(clock);
    await env.apiJournal.publish([{ subject: CHANNEL, data: Buffer.from('before') }], 2000);
    await waitFor(() => env.live.includes('before'), 'the live event before the outage');
    await outage(env, ['during-1', 'during-2'], clock, 1000);
    // The settle wait runs on the clock: move it on until the replay has run.
    await waitAdvancing(clock, 100, () => env.replayed.includes('during-2'), 'the replay', 10_000);
    assert.ok(env.replayed.includes('during-1'), `replayed ${env.replayed.join(', ')}`);
    assert.equal(env.unrecoverable(), 0);
  });

  it('asks sockets to reconnect when the outage outlasts what the journal keeps', async () => {
    const clock = new ManualClock(Date.now());
    const env = await setUp(clock);
    await outage(env, ['lost-to-time'], clock, RETENTION_MS + 1000);
    await waitAdvancing(clock, 100, () => env.unrecoverable() === 1, 'the gap to be given up', 10_000);
    assert.deepEqual(env.replayed, [], 'nothing replayed from a gap the journal cannot cover whole');
  });
});
