/**
 * The services of one process, started in the order given and drained and stopped in the
 * reverse order: a service is listed after the ones it feeds or asks, so it starts once they
 * serve it and, on shutdown, leaves before them while they still do.
 */
import type { HeraldService } from './service-lifecycle';

export class ServiceGroup {
  private readonly services: readonly HeraldService[];

  /** `services` in start order. */
  constructor(services: readonly HeraldService[]) {
    this.services = [...services];
  }

  /** Starts one service at a time; the first that fails rejects, and the rest are not started. */
  async start(): Promise<void> {
    for (const service of this.services) await service.start();
  }

  /** Drains one service at a time, the last started first. */
  async drain(): Promise<void> {
    for (const service of this.reversed()) await service.drain();
  }

  /**
   * Stops every service, the last started first, even when one of them fails (the others
   * still hold sockets and timers); rejects with the first failure once all were asked.
   */
  async stop(): Promise<void> {
    const failures: unknown[] = [];
    for (const service of this.reversed()) {
      try {
        await service.stop();
      } catch (err) {
        failures.push(err);
      }
    }
    if (failures.length > 0) throw failures[0];
  }

  private reversed(): HeraldService[] {
    return [...this.services].reverse();
  }
}
