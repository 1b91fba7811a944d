/**
 * The bounded label values of the gateway's metrics: a close code and a channel's type. A
 * client can close with any number it likes, so only the codes that mean something here
 * are labels of their own; channel names never are.
 */
import type { ChannelKind } from '../../core/src/protocol/channel-names';
import { closesConnection, PusherErrors } from '../../core/src/protocol/errors';

/** RFC 6455 codes a client or the network gives: normal, going away, none sent, dropped, too big, server error. */
const WEBSOCKET_CODES = [1000, 1001, 1005, 1006, 1009, 1011];

const KNOWN_CLOSE_CODES = new Set<number>([...WEBSOCKET_CODES, ...Object.values(PusherErrors).flatMap((e) => (closesConnection(e.code) ? [e.code] : []))]);

export function closeCodeLabel(code: number): string {
  return KNOWN_CLOSE_CODES.has(code) ? String(code) : 'other';
}

export type ChannelTypeLabel = 'public' | 'private' | 'presence' | 'private-encrypted' | 'cache' | 'private-cache' | 'presence-cache' | 'private-encrypted-cache';

/** The channel's prefix, as its users know it: `private-encrypted-cache`, `presence`, `public`… */
export function channelTypeLabel(kind: ChannelKind): ChannelTypeLabel {
  switch (kind.type) {
    case 'public':
      return kind.cache ? 'cache' : 'public';
    case 'private':
      return kind.cache ? 'private-cache' : 'private';
    case 'presence':
      return kind.cache ? 'presence-cache' : 'presence';
    case 'encrypted':
      return kind.cache ? 'private-encrypted-cache' : 'private-encrypted';
  }
}
