/** Answers the api's channel queries from the membership table. */
import type { ChannelInfoMessage, ChannelQueryMessage, ChannelQueryReplyMessage } from '../../core/src/codec/messages';
import type { ChannelTotals, Membership } from './membership';

function info(totals: ChannelTotals | undefined, channel: string, query: ChannelQueryMessage): ChannelInfoMessage {
  return {
    channel,
    subscriptionCount: totals?.subscriptionCount ?? 0,
    userCount: totals?.users.size ?? 0,
    userIds: query.withUsers && totals ? [...totals.users.keys()] : [],
  };
}

export function answerChannelQuery(membership: Membership, query: ChannelQueryMessage): ChannelQueryReplyMessage {
  const appId = query.appId ?? '';
  if (query.list) {
    const channels = [...membership.channelsOf(appId, query.prefix ?? '')].map((t) => info(t, t.channel, query));
    return { channels };
  }
  return { channels: (query.channels ?? []).map((name) => info(membership.channel(appId, name), name, query)) };
}
