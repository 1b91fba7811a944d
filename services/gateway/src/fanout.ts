/**
 * THE HOT PATH: runs once per event per gateway. The event is decoded, serialised and
 * WebSocket-framed once; the loop over sockets only compares a socket id and writes the same
 * Buffer to each TCP stream. Do not add per-socket JSON, string building or allocation here.
 */
import { type BusEvent, decodeEvent } from '../../core/src/codec/event-codec';
import { channelEventFrame } from '../../core/src/protocol/frames';
import { serverTextFrame } from '../../core/src/protocol/websocket-frame';
import type { LocalChannel } from './channel-registry';
import type { RecentEventIds } from './recent-event-ids';
import type { ReplicatedEventFilter } from './replicated-event-filter';

/**
 * What the last fan-out did, for the metrics and the trace: one object per gateway, filled in
 * by each call (no allocation per event). `event` is undefined when nothing was sent (no local
 * subscriber, or a copy already delivered).
 */
export interface FanOutResult {
  event: BusEvent | undefined;
  frameBytes: number;
}

export function fanOut(channel: LocalChannel, data: Uint8Array, replicated: ReplicatedEventFilter, recent?: RecentEventIds, result?: FanOutResult): number {
  if (result) result.event = undefined;
  if (channel.subscribers.size === 0) return 0;
  const event = decodeEvent(data);
  if (event.replicated && !replicated.firstSighting(event.id)) return 0;
  if (recent && !recent.firstSighting(event.id)) return 0;
  const frame = serverTextFrame(channelEventFrame(event.name, event.channel, event.data, event.userId || undefined));
  if (result) {
    result.event = event;
    result.frameBytes = frame.length;
  }
  const exclude = event.excludeSocketId;
  const holding = channel.heldForReplay.size > 0;
  let delivered = 0;
  for (const connection of channel.subscribers) {
    if (connection.socketId === exclude) continue;
    if (holding) {
      const held = channel.heldForReplay.get(connection);
      if (held) {
        held.push(frame);
        continue;
      }
    }
    if (connection.sendFramed(frame)) delivered += 1;
  }
  return delivered;
}
