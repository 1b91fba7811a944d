/**
 * Delivers what arrives on a user's subject to that user's local sockets: server-to-user
 * events (channel `#server-to-user-<id>`), watchlist events (no channel), and the
 * terminate-connections order, which closes them instead.
 */
import { decodeEvent } from '../../core/src/codec/event-codec';
import { PusherErrors } from '../../core/src/protocol/errors';
import { channelEventFrame, userEventFrame } from '../../core/src/protocol/frames';
import { TERMINATE_CONNECTIONS_EVENT } from '../../core/src/protocol/internal-events';
import { serverTextFrame } from '../../core/src/protocol/websocket-frame';
import type { FanOutResult } from './fanout';
import type { RecentEventIds } from './recent-event-ids';
import type { ReplicatedEventFilter } from './replicated-event-filter';
import type { LocalUser } from './user-registry';

/** `result` as for fanOut: the event and frame size when something was sent. */
export function deliverToUser(user: LocalUser, data: Uint8Array, replicated: ReplicatedEventFilter, recent?: RecentEventIds, result?: FanOutResult): number {
  if (result) result.event = undefined;
  if (user.sockets.size === 0) return 0;
  const event = decodeEvent(data);
  if (event.replicated && !replicated.firstSighting(event.id)) return 0;
  if (recent && !recent.firstSighting(event.id)) return 0;
  if (event.name === TERMINATE_CONNECTIONS_EVENT) {
    for (const connection of [...user.sockets]) connection.fail(PusherErrors.terminated);
    return 0;
  }
  const frame = serverTextFrame(event.channel ? channelEventFrame(event.name, event.channel, event.data) : userEventFrame(event.name, event.data));
  if (result) {
    result.event = event;
    result.frameBytes = frame.length;
  }
  let delivered = 0;
  for (const connection of user.sockets) {
    if (connection.socketId === event.excludeSocketId) continue;
    if (connection.sendFramed(frame)) delivered += 1;
  }
  return delivered;
}
