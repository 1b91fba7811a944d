/** Embedded mode (`npm start`): every role in one process on the in-process bus. */
import { LocalBus } from '../../core/src/bus/local-bus';
import { type Clock, systemClock } from '../../core/src/clock';
import type { HeraldConfig } from '../../core/src/config/load-config';
import { BusEventJournal } from '../../core/src/journal/bus-event-journal';
import type { Logger } from '../../core/src/logging/logger';
import { MemoryCacheStore } from '../../core/src/stores/memory-cache-store';
import type { Tracing } from '../../core/src/tracing/tracing';
import { MemoryWebhookQueue } from '../../core/src/webhooks/memory-webhook-queue';
import { DEFAULT_PORTS } from './default-ports';
import { type RunningNode, startNode } from './node';

export type RunningHerald = RunningNode;

export interface EmbeddedOptions {
  readonly clock?: Clock;
  readonly tracing?: Tracing;
}

export function startEmbedded(config: HeraldConfig, logger: Logger, options: EmbeddedOptions = {}): Promise<RunningNode> {
  const clock = options.clock ?? systemClock;
  const bus = new LocalBus((err, subject) => logger.error({ err, subject }, 'bus handler failed'));
  const webhooks = new MemoryWebhookQueue(clock, (err) => logger.error({ err }, 'webhook handler failed; the event will be redelivered'), {
    maxBytes: config.server.webhookQueueMaxBytes,
    maxDeadLetterBytes: config.server.webhookDeadLettersMaxBytes,
    logger: logger.child({ service: 'webhooks' }),
  });
  return startNode({
    config,
    logger,
    bus,
    clock,
    stores: { cache: new MemoryCacheStore(clock), webhooks, journal: new BusEventJournal(bus) },
    roles: { gateway: true, api: true, presence: true, webhooks: true },
    port: config.server.port ?? DEFAULT_PORTS.embedded,
    nodeId: 'embedded',
    presenceSyncGraceMs: 0,
    tracing: options.tracing,
  });
}
