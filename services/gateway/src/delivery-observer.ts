/** What the fan-out tells once per event per gateway, after writing it to the local sockets. */
import type { BusEvent } from '../../core/src/codec/event-codec';

export interface DeliveryObserver {
  /** `sockets` (at least 1) were written the same frame of `frameBytes` bytes. */
  delivered(appId: string, event: BusEvent, sockets: number, frameBytes: number): void;
}
