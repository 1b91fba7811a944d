/**
 * A webhook receiver that is down (a closed port) under a burst of webhooks, embedded: the
 * in-memory queue stays within HERALD_WEBHOOK_QUEUE_MAX_BYTES, what does not fit moves to the
 * dead letters (counted on /metrics, listed by the API), and the log gets a few summary
 * lines instead of one per event. Herald runs on a clock the test moves, so the retries and
 * the 10 s summary interval pass without waiting for them.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type PusherJs from 'pusher-js';
import { ManualClock } from '../../services/core/src/manual-clock';
import { captureLogs } from '../helpers/log-capture';
import { connectedClient, serverSdk, subscribed } from '../helpers/pusher-clients';
import { startTestHerald, type TestApp, type TestHerald } from '../helpers/test-herald';
import { waitFor } from '../helpers/wait';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver';

const CLIENTS = 6;
const EVENTS_PER_CLIENT = 500;
const EVENTS = CLIENTS * EVENTS_PER_CLIENT;
/** Room for roughly a hundred client events. */
const QUEUE_MAX_BYTES = 100_000;

/** A URL on a port nothing listens on: connections are refused at once. */
async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/pusher/webhooks`;
}

describe('webhooks with the receiver down, under a burst', () => {
  const clock = new ManualClock(Date.now());
  const logs = captureLogs();
  const FLOOD_APP: TestApp = { id: 'wh-flood', key: 'wh-flood-key', secret: 'wh-flood-secret', limits: { clientEventsPerSecond: 1_000_000 } };
  const HEALTHY_APP: TestApp = { id: 'wh-healthy', key: 'wh-healthy-key', secret: 'wh-healthy-secret' };
  let herald: TestHerald;
  let downUrl: string;
  let healthy: WebhookReceiver;
  const clients: PusherJs[] = [];

  before(async () => {
    downUrl = await closedPortUrl();
    healthy = await startWebhookReceiver(HEALTHY_APP);
    FLOOD_APP.webhooks = [{ url: downUrl, events: ['client_event'] }];
    HEALTHY_APP.webhooks = [{ url: healthy.url, events: ['channel_occupied'] }];
    herald = await startTestHerald({ apps: [FLOOD_APP, HEALTHY_APP], env: { HERALD_WEBHOOK_QUEUE_MAX_BYTES: String(QUEUE_MAX_BYTES) }, clock, logger: logs.logger });
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    await herald?.stop();
    await healthy?.close();
  });

  async function metrics(): Promise<Record<string, number>> {
    const text = await (await fetch(`${herald.httpUrl}/metrics`)).text();
    const value = (name: string) => Number(new RegExp(`^${name}(?:{[^}]*})? (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
    return {
      held: value('herald_webhooks_queue_events'),
      heldBytes: value('herald_webhooks_queue_bytes'),
      overflowed: value('herald_webhooks_queue_full_dead_lettered_total'),
      failedAttempts: value('herald_webhooks_failed_attempts_total'),
    };
  }

  const failureLines = () => logs.lines.filter((l) => l.url === downUrl);
  const overflowLines = () => logs.matching(/moved to the dead letters: the webhook queue is full/);

  it(`holds at most its bound of ${EVENTS} webhooks, dead-letters the rest (counted), and logs a few summary lines`, async () => {
    for (let i = 0; i < CLIENTS; i++) {
      const client = await connectedClient(herald, FLOOD_APP);
      clients.push(client);
      const channel = await subscribed(client, `private-flood-${i}`);
      for (let n = 0; n < EVENTS_PER_CLIENT; n++) channel.trigger('client-burst', { n });
    }
    let largest = 0;
    const settled = await waitFor(
      async () => {
        const m = await metrics();
        largest = Math.max(largest, m.heldBytes);
        return m.overflowed + m.held === EVENTS && failureLines().length > 0 && m;
      },
      'every webhook held or dead-lettered',
      20_000,
    );
    assert.ok(largest <= QUEUE_MAX_BYTES, `the queue held ${largest} bytes, over its bound`);
    assert.ok(settled.held > 0 && settled.held < 200, `${settled.held} events held`);
    assert.ok(settled.overflowed >= EVENTS - 200, `${settled.overflowed} moved to the dead letters`);

    const dead = (await (await serverSdk(herald, FLOOD_APP).get({ path: '/webhooks/dead_letters' })).json()) as { count: number; dead_letters: Array<{ reason: string }> };
    assert.equal(dead.count, settled.overflowed, 'every event the metric counts is listed as a dead letter');
    assert.ok(dead.dead_letters.every((l) => l.reason === 'the webhook queue was full'));

    // Two summary intervals, the retries of the held events failing again in between.
    clock.advance(10_000);
    await waitFor(async () => (await metrics()).failedAttempts >= settled.failedAttempts + settled.held, 'the held events retried and refused again');
    clock.advance(10_000);

    const failures = failureLines();
    assert.ok(failures.length >= 2 && failures.length <= 3, `${failures.length} lines about ${downUrl}: ${failures.map((l) => l.msg).join(' | ')}`);
    assert.match(failures[0].msg, new RegExp(`^webhook delivery failed: ${downUrl}: fetch failed \\(connect ECONNREFUSED [^)]+\\); next retry in \\d+ ms$`));
    for (const line of failures.slice(1)) {
      assert.match(
        line.msg,
        new RegExp(`^\\d+ webhook deliveries failed in the last 10 s, last error: ${downUrl}: fetch failed \\(connect ECONNREFUSED [^)]+\\); next retry in \\d+ ms$`),
      );
      assert.equal(line.appId, FLOOD_APP.id);
    }
    const overflow = overflowLines();
    assert.equal(overflow.length, 2, 'one line at the first overflow, one summary of the rest');
    assert.equal(
      overflow.reduce((sum, l) => sum + Number(l.events), 0),
      settled.overflowed,
      'the lines account for every event moved',
    );
    const warnings = logs.lines.filter((l) => l.level >= 40);
    assert.ok(warnings.length <= 6, `${warnings.length} warning lines: ${warnings.map((l) => l.msg).join(' | ')}`);
  });

  it("delivers another app's webhooks meanwhile", async () => {
    const client = await connectedClient(herald, HEALTHY_APP);
    clients.push(client);
    await subscribed(client, 'after-the-flood');
    await healthy.waitForEvents((events) => events.some((e) => e.name === 'channel_occupied' && e.channel === 'after-the-flood'), 'the healthy app’s channel_occupied');
    assert.ok((await metrics()).held <= 200);
  });
});
