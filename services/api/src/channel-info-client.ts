/**
 * Asks the presence service (any replica, over the bus) for channel attributes. The api
 * keeps no state of its own; when presence cannot answer, the request fails with 503.
 */
import type { Bus } from '../../core/src/bus/bus';
import { subjects } from '../../core/src/bus/subjects';
import { type ChannelInfoMessage, ChannelQuery, type ChannelQueryMessage, ChannelQueryReply, type Decoded } from '../../core/src/codec/messages';
import { ApiError, apiErrors } from './api-errors';

export type ChannelInfo = Decoded<ChannelInfoMessage>;

export class ChannelInfoClient {
  constructor(
    private readonly bus: Bus,
    private readonly timeoutMs: number,
  ) {}

  async query(query: ChannelQueryMessage): Promise<ChannelInfo[]> {
    if (!this.bus.isConnected()) throw apiErrors.channelInfoDisconnected();
    try {
      const reply = ChannelQueryReply.decode(await this.bus.request(subjects.presenceQuery, ChannelQuery.encode(query), this.timeoutMs));
      if (reply.error) throw apiErrors.presenceFailed({ reason: reply.error });
      return reply.channels;
    } catch (err) {
      if (err instanceof ApiError) throw err;
      throw apiErrors.channelInfoUnavailable({ reason: (err as Error).message });
    }
  }

  /** Attributes of named channels, keyed by name. */
  async channels(appId: string, names: readonly string[], withUsers = false): Promise<Map<string, ChannelInfo>> {
    const infos = await this.query({ appId, channels: [...names], withUsers });
    return new Map(infos.map((i) => [i.channel, i]));
  }
}
