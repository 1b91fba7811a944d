/**
 * A PRODUCER `publish` span for one event, by OpenTelemetry's messaging conventions: the span
 * name holds the destination template, never the channel; the channel, app and event are
 * attributes. The api (HTTP triggers) and the gateway (client events) both publish this way.
 */
import { type Context, type Span, SpanKind } from '@opentelemetry/api';
import {
  ATTR_HERALD_APP_ID,
  ATTR_HERALD_CHANNEL,
  ATTR_HERALD_EVENT,
  ATTR_MESSAGING_DESTINATION_TEMPLATE,
  ATTR_MESSAGING_MESSAGE_BODY_SIZE,
  ATTR_MESSAGING_MESSAGE_ID,
  ATTR_MESSAGING_OPERATION_NAME,
  ATTR_MESSAGING_OPERATION_TYPE,
  ATTR_MESSAGING_SYSTEM,
  CHANNEL_DESTINATION,
  USER_DESTINATION,
} from './span-attributes';
import type { Tracing } from './tracing';

export interface PublishedEvent {
  readonly id: string;
  readonly appId: string;
  readonly channel: string;
  readonly name: string;
  readonly dataBytes: number;
  /** A server-to-user event (`#server-to-user-<id>`) goes to a user subject. */
  readonly toUser: boolean;
}

/** `parent`: the request's context (api), or undefined for a new trace (a client event). */
export function startPublishSpan(tracing: Tracing, messagingSystem: string, event: PublishedEvent, parent?: Context): Span {
  const destination = event.toUser ? USER_DESTINATION : CHANNEL_DESTINATION;
  const span = tracing.tracer.startSpan(`publish ${destination}`, { kind: SpanKind.PRODUCER }, parent);
  // The attributes only for a span that is kept: an unsampled event allocates nothing more.
  if (span.isRecording()) {
    span.setAttributes({
      [ATTR_MESSAGING_SYSTEM]: messagingSystem,
      [ATTR_MESSAGING_OPERATION_NAME]: 'publish',
      [ATTR_MESSAGING_OPERATION_TYPE]: 'send',
      [ATTR_MESSAGING_DESTINATION_TEMPLATE]: destination,
      [ATTR_MESSAGING_MESSAGE_ID]: event.id,
      [ATTR_MESSAGING_MESSAGE_BODY_SIZE]: event.dataBytes,
      [ATTR_HERALD_APP_ID]: event.appId,
      [ATTR_HERALD_CHANNEL]: event.channel,
      [ATTR_HERALD_EVENT]: event.name,
    });
  }
  return span;
}
