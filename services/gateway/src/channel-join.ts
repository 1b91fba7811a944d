/**
 * Joining a channel that needs nothing from the presence service: public, private and
 * encrypted channels and their cache- variants (the signed ones after channel-auth.ts). The
 * socket is attached once the bus delivers the channel's events here, then confirmed.
 */
import { subscriptionSucceededFrame } from '../../core/src/protocol/frames';
import type { CacheReplay } from './cache-replay';
import type { ChannelRegistry, LocalChannel } from './channel-registry';
import type { Connection } from './connection';

export class ChannelJoin {
  constructor(
    private readonly registry: ChannelRegistry,
    private readonly cacheReplay: CacheReplay,
  ) {}

  async join(connection: Connection, channel: string, cache: boolean): Promise<void> {
    let attached: LocalChannel | undefined;
    // Subscribed already: confirmed again (and replayed again), nothing else changes.
    if (!connection.subscriptions.has(channel)) {
      connection.subscriptions.set(channel, { established: false });
      const local = await this.registry.reserve(connection.app.id, channel);
      if (connection.closed || connection.subscriptions.get(channel)?.established !== false) {
        // Gone or unsubscribed while the bus confirmed the interest.
        this.registry.release(local);
        return;
      }
      this.registry.attach(local, connection, cache);
      connection.subscriptions.set(channel, { established: true });
      attached = local;
    }
    connection.send(subscriptionSucceededFrame(channel));
    if (cache) await this.cacheReplay.replay(connection, channel, attached);
  }
}
