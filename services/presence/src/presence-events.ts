/**
 * Turns membership changes into the channel events subscribers see
 * (`pusher_internal:member_added` / `member_removed`). Every replica emits them with the
 * same id, derived from what caused them, and gateways deliver the first copy only. A
 * member_added caused by a traced join carries that replica's join span context (join-spans.ts).
 */
import { subjects } from '../../core/src/bus/subjects';
import { encodeEvent } from '../../core/src/codec/event-codec';
import type { ChangeTraces } from './join-spans';
import type { MembershipChange } from './membership';

export interface OutgoingEvent {
  readonly subject: string;
  readonly data: Uint8Array;
}

function memberAddedData(userId: string, userInfo: string): string {
  return userInfo ? `{"user_id":${JSON.stringify(userId)},"user_info":${userInfo}}` : JSON.stringify({ user_id: userId });
}

/** `cause` identifies the message that caused the change, the same on every replica. */
export function presenceEvents(changes: readonly MembershipChange[], cause: string, nowMs: number, traces?: ChangeTraces): OutgoingEvent[] {
  const events: OutgoingEvent[] = [];
  for (const change of changes) {
    if (change.kind !== 'member_added' && change.kind !== 'member_removed') continue;
    const added = change.kind === 'member_added';
    const context = traces?.get(change);
    events.push({
      subject: subjects.channel(change.appId, change.channel),
      data: encodeEvent({
        id: `${cause}|${change.kind}|${change.appId}|${change.channel}|${change.userId}`,
        appId: change.appId,
        channel: change.channel,
        name: added ? 'pusher_internal:member_added' : 'pusher_internal:member_removed',
        data: added ? memberAddedData(change.userId, change.userInfo) : JSON.stringify({ user_id: change.userId }),
        // The joining socket learns the members from subscription_succeeded instead.
        excludeSocketId: added ? change.socketId : '',
        publishedAtMs: nowMs,
        replicated: true,
        ...(context && { traceparent: context.traceparent, tracestate: context.tracestate }),
      }),
    });
  }
  return events;
}
