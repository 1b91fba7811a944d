/**
 * Whether a new WebSocket may stay: the per-address limits and the process's overload guard.
 * A refused client is told 4100 "Over capacity" (pusher:error, then the close code), which
 * Pusher's clients answer by reconnecting after a back-off; the refusal is counted by reason.
 */
import type { Counter } from 'prom-client';
import type { Clock } from '../../core/src/clock';
import { type PusherErrorSpec, PusherErrors } from '../../core/src/protocol/errors';
import { clientAddressKey } from './client-address';
import { IpConnectionLimits, type IpLimits, type IpRefusal } from './ip-connection-limits';
import { type MemoryReading, OverloadGuard, type OverloadLimits, type OverloadRefusal } from './overload-guard';

export type AdmissionConfig = IpLimits & OverloadLimits;

export type RefusalReason = IpRefusal | OverloadRefusal;

export interface AdmissionOptions {
  readonly config: AdmissionConfig;
  readonly clock: Clock;
  /** Counts refusals, labelled `reason`. */
  readonly refused: Counter<'reason'>;
  readonly readMemory?: () => MemoryReading;
}

/** An admitted connection: release it when it closes. */
export interface Admitted {
  readonly ok: true;
  release(): void;
}

export interface Refused {
  readonly ok: false;
  readonly reason: RefusalReason;
  readonly error: PusherErrorSpec;
}

export class ConnectionAdmission {
  private readonly ip: IpConnectionLimits;
  private readonly overload: OverloadGuard;

  constructor(private readonly options: AdmissionOptions) {
    this.ip = new IpConnectionLimits(options.config, options.clock);
    this.overload = new OverloadGuard(options.config, options.clock, options.readMemory);
  }

  /** `address`: the client's, as fastify resolved it (X-Forwarded-For only from trusted proxies). */
  admit(address: string, openConnections: number): Admitted | Refused {
    const overloaded = this.overload.refusal(openConnections);
    if (overloaded) return this.refuse(overloaded.reason, overloaded.detail);
    const key = clientAddressKey(address);
    const refusal = this.ip.admit(key);
    if (refusal === 'ip_connections') return this.refuse(refusal, `too many connections from this address (limit ${this.options.config.maxConnectionsPerIp})`);
    if (refusal === 'ip_rate') return this.refuse(refusal, `too many new connections from this address (limit ${this.options.config.maxConnectionRatePerIp} per second)`);
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        this.ip.release(key);
      },
    };
  }

  /** For /readyz: why this process takes no new connections now, or null. */
  overloaded(openConnections: number): string | null {
    const refusal = this.overload.refusal(openConnections);
    return refusal ? `over capacity: ${refusal.detail}` : null;
  }

  private refuse(reason: RefusalReason, detail: string): Refused {
    this.options.refused.inc({ reason });
    return { ok: false, reason, error: { code: PusherErrors.overCapacity.code, message: `${PusherErrors.overCapacity.message}: ${detail}` } };
  }
}
