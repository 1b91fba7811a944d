/** GET /apps/:app_id/channels, /channels/:channel_name and /channels/:channel_name/users. */
import type { FastifyInstance } from 'fastify';
import { channelNameProblem, classifyChannel } from '../../../core/src/protocol/channel-names';
import { apiErrors } from '../api-errors';
import type { ChannelInfoClient } from '../channel-info-client';
import { readInfo } from '../event-publisher';
import { authenticatedApp } from '../request-auth';

export interface ChannelRoutesOptions {
  readonly channelInfo: ChannelInfoClient;
}

function checkedChannelName(name: string, maxLength: number): string {
  const problem = channelNameProblem(name, maxLength);
  if (problem) throw apiErrors.invalidChannelName({ problem });
  return name;
}

export async function channelRoutes(fastify: FastifyInstance, options: ChannelRoutesOptions): Promise<void> {
  fastify.get('/apps/:app_id/channels', async (request) => {
    const app = authenticatedApp(request);
    const query = request.query as { filter_by_prefix?: string; info?: string };
    const prefix = query.filter_by_prefix ?? '';
    const info = readInfo(query.info);
    if (info.includes('user_count') && !prefix.startsWith('presence-')) {
      throw apiErrors.userCountNeedsPresencePrefix();
    }
    const infos = await options.channelInfo.query({ appId: app.id, list: true, prefix });
    const channels: Record<string, Record<string, number>> = {};
    for (const c of infos) {
      const attributes: Record<string, number> = {};
      if (info.includes('user_count')) attributes.user_count = c.userCount;
      if (info.includes('subscription_count')) attributes.subscription_count = c.subscriptionCount;
      channels[c.channel] = attributes;
    }
    return { channels };
  });

  fastify.get('/apps/:app_id/channels/:channel_name', async (request) => {
    const app = authenticatedApp(request);
    const { channel_name: raw } = request.params as { channel_name: string };
    const channel = checkedChannelName(raw, app.limits.maxChannelNameLength);
    const info = readInfo((request.query as { info?: string }).info);
    const presence = classifyChannel(channel).type === 'presence';
    if (info.includes('user_count') && !presence) throw apiErrors.userCountNeedsPresenceChannel({ channel });
    const known = (await options.channelInfo.channels(app.id, [channel])).get(channel);
    const subscriptionCount = known?.subscriptionCount ?? 0;
    const userCount = known?.userCount ?? 0;
    const body: Record<string, unknown> = { occupied: subscriptionCount > 0 || userCount > 0 };
    if (info.includes('user_count')) body.user_count = userCount;
    if (info.includes('subscription_count')) body.subscription_count = subscriptionCount;
    return body;
  });

  fastify.get('/apps/:app_id/channels/:channel_name/users', async (request) => {
    const app = authenticatedApp(request);
    const { channel_name: raw } = request.params as { channel_name: string };
    const channel = checkedChannelName(raw, app.limits.maxChannelNameLength);
    if (classifyChannel(channel).type !== 'presence') throw apiErrors.usersNeedPresenceChannel({ channel });
    const known = (await options.channelInfo.channels(app.id, [channel], true)).get(channel);
    return { users: (known?.userIds ?? []).map((id) => ({ id })) };
  });
}
