/**
 * Socket ids in Pusher's `^\d+\.\d+$` shape. The first part is random per gateway instance,
 * the second a counter, so ids never repeat within a gateway and hardly ever across them —
 * `socket_id` exclusion is matched across the whole cluster.
 */
import { randomInt } from 'node:crypto';

export class SocketIdGenerator {
  private readonly prefix = String(randomInt(100_000_000, 2_000_000_000));
  private counter = randomInt(0, 1_000_000);

  next(): string {
    this.counter += 1;
    return `${this.prefix}.${this.counter}`;
  }
}
