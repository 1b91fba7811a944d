/**
 * The presence replica's gauges, read from its membership table at each scrape (no work on the
 * update path). Every replica holds the whole cluster's view, so dashboards take the max by
 * app_id across replicas, not the sum.
 */
import { Gauge } from 'prom-client';
import type { MetricsRegistry } from '../../core/src/service/metrics';
import type { ChannelTotals, Membership } from './membership';

export function registerPresenceMetrics(registry: MetricsRegistry, membership: Membership, isReady: () => boolean): void {
  perAppGauge(registry, 'herald_presence_channels_occupied', 'Channels with at least one subscriber anywhere in the cluster', membership, (channel) =>
    channel.subscriptionCount > 0 ? 1 : 0,
  );
  perAppGauge(registry, 'herald_presence_members', 'Distinct users in presence channels, summed over the channels', membership, (channel) => channel.users.size);
  new Gauge({
    name: 'herald_presence_ready',
    help: '1 once this replica answers queries and emits events (after gathering the gateways’ state)',
    registers: [registry],
    collect() {
      this.set(isReady() ? 1 : 0);
    },
  });
}

/** A gauge per app, summed over the membership's channels at each scrape; an app seen once stays, at 0 when it has nothing. */
function perAppGauge(registry: MetricsRegistry, name: string, help: string, membership: Membership, countOf: (channel: ChannelTotals) => number): void {
  const seen = new Set<string>();
  new Gauge({
    name,
    help,
    labelNames: ['app_id'],
    registers: [registry],
    collect() {
      const sums = new Map<string, number>();
      for (const appId of seen) sums.set(appId, 0);
      for (const channel of membership.allChannels()) sums.set(channel.appId, (sums.get(channel.appId) ?? 0) + countOf(channel));
      for (const [appId, value] of sums) {
        seen.add(appId);
        this.set({ app_id: appId }, value);
      }
    },
  });
}
