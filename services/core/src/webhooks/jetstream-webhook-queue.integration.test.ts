import { after, before } from 'node:test';
import { connect, type NatsConnection } from 'nats';
import { captureLogs } from '../../../../test/helpers/log-capture';
import { type NatsServer, startNatsServer } from '../../../../test/helpers/nats';
import { systemClock } from '../clock';
import { DEAD_LETTER_STREAM, JetStreamWebhookQueue, WEBHOOK_STREAM } from './jetstream-webhook-queue';
import { webhookQueueContract } from './webhook-queue-contract';

/** Short, so the cases about unsettled items take about a second. */
const ACK_WAIT_MS = 1000;

let nats: NatsServer;
before(async () => {
  nats = await startNatsServer({ name: 'webhook-queue-contract' });
});
after(() => nats?.stop());

webhookQueueContract('JetStreamWebhookQueue (two processes on one nats-server)', async () => {
  const connections: NatsConnection[] = await Promise.all(['queue', 'peer'].map((name) => connect({ servers: nats.url, name })));
  // Every case starts from empty streams and no consumer.
  const jsm = await connections[0].jetstreamManager();
  for (const stream of [WEBHOOK_STREAM, DEAD_LETTER_STREAM]) await jsm.streams.delete(stream).catch(() => undefined);
  const logs = captureLogs();
  const open = (nc: NatsConnection) => JetStreamWebhookQueue.open({ nc, clock: systemClock, logger: logs.logger, ackWaitMs: ACK_WAIT_MS });
  const queues = [await open(connections[0]), await open(connections[1])];
  return {
    queue: queues[0],
    peer: queues[1],
    ackWaitMs: ACK_WAIT_MS,
    reportedHandlerErrors: () => logs.matching(/webhook handler failed/).map((line) => String((line.err as { message?: string } | undefined)?.message)),
    cleanup: async () => {
      await Promise.all(queues.map((q) => q.close()));
      await Promise.all(connections.map((nc) => nc.close()));
    },
  };
});
