/** The main thread's side of the connection workers: request/reply over postMessage. */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { WorkerEnvelope, WorkerInit, WorkerReply, WorkerRequest } from './worker-protocol';

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
}

export class WorkerPool {
  private readonly workers: Worker[];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  constructor(size: number, init: WorkerInit) {
    this.workers = Array.from({ length: size }, () => {
      const worker = new Worker(join(__dirname, 'worker.js'), { workerData: init });
      worker.on('message', (reply: WorkerReply) => this.onReply(reply));
      worker.on('error', (err) => this.failAll(err));
      return worker;
    });
  }

  get size(): number {
    return this.workers.length;
  }

  request<T>(index: number, request: WorkerRequest): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.workers[index].postMessage({ id, request } satisfies WorkerEnvelope);
    });
  }

  /** The same request (or one built per worker) to every worker, replies in worker order. */
  all<T>(request: WorkerRequest | ((index: number) => WorkerRequest)): Promise<T[]> {
    return Promise.all(this.workers.map((_, i) => this.request<T>(i, typeof request === 'function' ? request(i) : request)));
  }

  async close(): Promise<void> {
    await this.all({ cmd: 'close' }).catch(() => undefined);
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }

  private onReply(reply: WorkerReply): void {
    const pending = this.pending.get(reply.id);
    if (!pending) return;
    this.pending.delete(reply.id);
    if (reply.ok) pending.resolve(reply.result);
    else pending.reject(new Error(reply.error));
  }

  private failAll(err: Error): void {
    for (const pending of this.pending.values()) pending.reject(err);
    this.pending.clear();
  }
}
