/**
 * The attribute names Herald's spans use. HTTP ones are OpenTelemetry's stable semantic
 * conventions; messaging ones are still "development" there, so they are spelled here (as the
 * conventions advise) rather than imported from the incubating entry point, which may change.
 */
export {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_SERVER_ADDRESS,
  ATTR_URL_FULL,
  ATTR_URL_PATH,
} from '@opentelemetry/semantic-conventions';

export const ATTR_MESSAGING_SYSTEM = 'messaging.system';
export const ATTR_MESSAGING_OPERATION_NAME = 'messaging.operation.name';
export const ATTR_MESSAGING_OPERATION_TYPE = 'messaging.operation.type';
export const ATTR_MESSAGING_DESTINATION_TEMPLATE = 'messaging.destination.template';
export const ATTR_MESSAGING_MESSAGE_ID = 'messaging.message.id';
export const ATTR_MESSAGING_MESSAGE_BODY_SIZE = 'messaging.message.body.size';
export const ATTR_MESSAGING_BATCH_MESSAGE_COUNT = 'messaging.batch.message_count';

export const ATTR_HERALD_APP_ID = 'herald.app_id';
export const ATTR_HERALD_CHANNEL = 'herald.channel';
export const ATTR_HERALD_CHANNEL_TYPE = 'herald.channel_type';
export const ATTR_HERALD_EVENT = 'herald.event';
export const ATTR_HERALD_SOCKET_ID = 'herald.socket_id';
export const ATTR_HERALD_RECIPIENTS = 'herald.recipients';
export const ATTR_HERALD_FRAME_BYTES = 'herald.frame_bytes';
export const ATTR_HERALD_HANDOFF_MS = 'herald.socket_handoff_ms';
export const ATTR_HERALD_WEBHOOK_ATTEMPT = 'herald.webhook.attempt';
export const ATTR_HERALD_WEBHOOK_EVENTS = 'herald.webhook.events';

/** The bus subjects as span destinations: the template, never the channel itself (span names stay low-cardinality). */
export const CHANNEL_DESTINATION = 'herald.ch.{app_id}.{channel}';
export const USER_DESTINATION = 'herald.user.{app_id}.{user_id}';
