/** The protobuf `Event` on the bus: one encoding for LocalBus and NATS alike. */
import { herald } from '../generated/herald';

export interface BusEvent {
  id: string;
  appId: string;
  channel: string;
  name: string;
  data: string;
  excludeSocketId: string;
  publishedAtMs: number;
  userId: string;
  replicated: boolean;
  traceparent: string;
  tracestate: string;
}

export function encodeEvent(event: Partial<BusEvent> & Pick<BusEvent, 'appId' | 'channel' | 'name' | 'data'>): Uint8Array {
  return herald.v1.Event.encode(event).finish();
}

export function decodeEvent(bytes: Uint8Array): BusEvent {
  return herald.v1.Event.decode(bytes);
}
