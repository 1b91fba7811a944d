/**
 * THE HOT PATH: runs once per event per gateway. The event is decoded, serialised and
 * WebSocket-framed once; the loop over sockets only compares a socket id and writes the same
 * Buffer to each TCP stream. Do not add per-socket JSON, string building or allocation here.
 * The observer hears once per event, after the loop, what was written (metrics count there).
 */
import { decodeEvent } from '../../core/src/codec/event-codec';
import { channelEventFrame } from '../../core/src/protocol/frames';
import { serverTextFrame } from '../../core/src/protocol/websocket-frame';
import type { LocalChannel } from './channel-registry';
import type { DeliveryObserver } from './delivery-observer';
import type { RecentEventIds } from './recent-event-ids';
import type { ReplicatedEventFilter } from './replicated-event-filter';

export function fanOut(channel: LocalChannel, data: Uint8Array, replicated: ReplicatedEventFilter, recent?: RecentEventIds, observer?: DeliveryObserver): number {
  if (channel.subscribers.size === 0) return 0;
  const event = decodeEvent(data);
  if (event.replicated && !replicated.firstSighting(event.id)) return 0;
  if (recent && !recent.firstSighting(event.id)) return 0;
  const frame = serverTextFrame(channelEventFrame(event.name, event.channel, event.data, event.userId || undefined));
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
  if (delivered > 0) observer?.delivered(channel.appId, event, delivered, frame.length);
  return delivered;
}
