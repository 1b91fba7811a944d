/**
 * The presence protocol's protobuf messages (generated from proto/herald/v1/presence.proto),
 * with encode and decode functions typed for how they are used. Decoded proto3 messages
 * always have every scalar (defaults live on the prototype) and every repeated field.
 */
import { herald } from '../generated/herald';

/** A decoded message: every field present, nothing null. */
export type Decoded<T> = T extends string | number | boolean | bigint | Uint8Array
  ? T
  : T extends ReadonlyArray<infer U>
    ? Array<Decoded<U>>
    : { [K in Exclude<keyof T, '$unknowns'>]-?: Decoded<NonNullable<T[K]>> };

interface MessageClass<P> {
  encode(message: P): { finish(): Uint8Array };
  decode(bytes: Uint8Array): unknown;
}

function codec<P>(type: MessageClass<P>) {
  return {
    encode: (message: P): Uint8Array => type.encode(message).finish(),
    decode: (bytes: Uint8Array): Decoded<P> => type.decode(bytes) as Decoded<P>,
  };
}

export type GatewayUpdateMessage = herald.v1.GatewayUpdate.$Properties;
export type GatewayStateMessage = herald.v1.GatewayState.$Properties;
export type GatewayLeaseMessage = herald.v1.GatewayLease.$Properties;
export type JoinReplyMessage = herald.v1.JoinReply.$Properties;
export type ChannelMembersMessage = herald.v1.ChannelMembers.$Properties;
export type MemberJoinMessage = herald.v1.MemberJoin.$Properties;
export type MemberLeaveMessage = herald.v1.MemberLeave.$Properties;
export type ChannelCountMessage = herald.v1.ChannelCount.$Properties;
export type ChannelQueryMessage = herald.v1.ChannelQuery.$Properties;
export type ChannelQueryReplyMessage = herald.v1.ChannelQueryReply.$Properties;
export type ChannelInfoMessage = herald.v1.ChannelInfo.$Properties;
export type SyncRequestMessage = herald.v1.SyncRequest.$Properties;
export type UserSigninMessage = herald.v1.UserSignin.$Properties;
export type UserSignoutMessage = herald.v1.UserSignout.$Properties;
export type WatchlistStatusMessage = herald.v1.WatchlistStatus.$Properties;
export type ConnectionTotalsMessage = herald.v1.ConnectionTotals.$Properties;
export type WebhookEventMessage = herald.v1.WebhookEvent.$Properties;

export const GatewayUpdate = codec<GatewayUpdateMessage>(herald.v1.GatewayUpdate);
export const GatewayState = codec<GatewayStateMessage>(herald.v1.GatewayState);
export const GatewayLease = codec<GatewayLeaseMessage>(herald.v1.GatewayLease);
export const JoinReply = codec<JoinReplyMessage>(herald.v1.JoinReply);
export const SyncRequest = codec<SyncRequestMessage>(herald.v1.SyncRequest);
export const ChannelQuery = codec<ChannelQueryMessage>(herald.v1.ChannelQuery);
export const ChannelQueryReply = codec<ChannelQueryReplyMessage>(herald.v1.ChannelQueryReply);
export const ConnectionTotals = codec<ConnectionTotalsMessage>(herald.v1.ConnectionTotals);
export const WebhookEvent = codec<WebhookEventMessage>(herald.v1.WebhookEvent);
