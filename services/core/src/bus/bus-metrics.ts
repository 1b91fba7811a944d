/**
 * The bus's connection state for every process: `herald_bus_connected` (always 1 on the
 * in-process bus), and the disconnects and reconnects the NATS client reported.
 */
import { Counter, Gauge } from 'prom-client';
import type { MetricsRegistry } from '../service/metrics';
import type { Bus } from './bus';

export function registerBusMetrics(bus: Bus, registry: MetricsRegistry): void {
  new Gauge({
    name: 'herald_bus_connected',
    help: '1 while connected to the bus (NATS; always 1 on the in-process bus), 0 otherwise',
    registers: [registry],
    collect() {
      this.set(bus.isConnected() ? 1 : 0);
    },
  });
  const disconnects = new Counter({ name: 'herald_bus_disconnects_total', help: 'Times the connection to NATS was lost', registers: [registry] });
  const reconnects = new Counter({ name: 'herald_bus_reconnects_total', help: 'Times the connection to NATS was made again after a loss', registers: [registry] });
  bus.onStatus((status) => {
    if (status === 'disconnected') disconnects.inc();
    else if (status === 'reconnected') reconnects.inc();
  });
}
