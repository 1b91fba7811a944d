/** A connection worker thread: holds its share of the connections and answers the main thread. */
import { parentPort, workerData } from 'node:worker_threads';
import { chat } from './client-event-chat';
import { ConnectionSet } from './connection-set';
import { checkPresence, churn } from './presence-churner';
import type { WorkerEnvelope, WorkerInit, WorkerReply, WorkerRequest } from './worker-protocol';

const set = new ConnectionSet(workerData as WorkerInit);

async function handle(request: WorkerRequest): Promise<unknown> {
  switch (request.cmd) {
    case 'open':
      return set.open(request.specs, request.concurrency);
    case 'count':
      return set.count();
    case 'reset':
      set.reset();
      return {};
    case 'stats':
      return set.stats();
    case 'chat':
      return chat(set, request.ratePerConnection, request.durationMs, request.payloadBytes);
    case 'churn':
      return churn(set, request.ratePerSecond, request.durationMs);
    case 'presence-check':
      return checkPresence(set);
    case 'close':
      await set.closeAll();
      return {};
  }
}

parentPort!.on('message', (envelope: WorkerEnvelope) => {
  handle(envelope.request).then(
    (result) => parentPort!.postMessage({ id: envelope.id, ok: true, result } satisfies WorkerReply),
    (err: unknown) => parentPort!.postMessage({ id: envelope.id, ok: false, error: (err as Error)?.message ?? String(err) } satisfies WorkerReply),
  );
});
