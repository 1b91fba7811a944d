/**
 * Finds sockets that have gone quiet. One sweep over all connections every few seconds —
 * no per-socket timers. A socket silent for `activityTimeout` gets a WebSocket ping (every
 * client library answers those); if nothing at all arrives within `pongTimeout` it is
 * closed with 4201. Apps that require sign-in close sockets still anonymous after the
 * grace period with 4009.
 */
import type { Clock, ClockTimer } from '../../core/src/clock';
import type { Logger } from '../../core/src/logging/logger';
import { safely } from '../../core/src/logging/safely';
import { PusherErrors } from '../../core/src/protocol/errors';
import type { Connection } from './connection';

export class ActivityMonitor {
  private timer: ClockTimer | undefined;

  constructor(
    private readonly connections: () => Iterable<Connection>,
    private readonly clock: Clock,
    private readonly activityTimeoutMs: number,
    private readonly pongTimeoutMs: number,
    private readonly logger?: Logger,
  ) {}

  start(): void {
    const every = Math.max(250, Math.min(5000, Math.floor(Math.min(this.activityTimeoutMs, this.pongTimeoutMs) / 4)));
    this.timer = this.clock.setInterval(this.logger ? safely(this.logger, 'activity sweep', () => this.sweep()) : () => this.sweep(), every);
    this.timer.unref();
  }

  stop(): void {
    this.clock.clearInterval(this.timer);
  }

  sweep(): void {
    const now = this.clock.now();
    for (const connection of this.connections()) {
      if (connection.closed) continue;
      const signinRule = connection.app.userAuthentication;
      if (signinRule.required && connection.userId === undefined && now - connection.connectedAt >= signinRule.timeoutSeconds * 1000) {
        connection.fail(PusherErrors.signinTimeout);
        continue;
      }
      if (connection.pingSentAt > 0) {
        if (connection.lastActivityAt < connection.pingSentAt && now - connection.pingSentAt >= this.pongTimeoutMs) {
          connection.fail(PusherErrors.pongNotReceived);
        } else if (connection.lastActivityAt >= connection.pingSentAt) {
          connection.pingSentAt = 0;
        }
        continue;
      }
      if (now - connection.lastActivityAt >= this.activityTimeoutMs) {
        connection.pingSentAt = now;
        connection.ping();
      }
    }
  }
}
