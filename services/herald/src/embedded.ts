/** Embedded mode (`npm start`): every role in one process on the in-process bus. */
import { LocalBus } from '../../core/src/bus/local-bus';
import type { Clock } from '../../core/src/clock';
import type { HeraldConfig } from '../../core/src/config/load-config';
import type { Logger } from '../../core/src/logging/logger';
import { DEFAULT_PORTS } from './default-ports';
import { type RunningNode, startNode } from './node';

export type RunningHerald = RunningNode;

export function startEmbedded(config: HeraldConfig, logger: Logger, clock?: Clock): Promise<RunningNode> {
  const bus = new LocalBus((err, subject) => logger.error({ err, subject }, 'bus handler failed'));
  return startNode({
    config,
    logger,
    bus,
    clock,
    roles: { gateway: true, api: true, presence: true },
    port: config.server.port ?? DEFAULT_PORTS.embedded,
    nodeId: 'embedded',
    presenceSyncGraceMs: 0,
  });
}
