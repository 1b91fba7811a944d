/**
 * The gateway's SERVER spans for what a client asks over its socket with the app's signature:
 * `pusher:signin`, and `pusher:subscribe {channel_type}` for private, presence and encrypted
 * channels (the channel is an attribute, never in the name). Each is the root of its own trace
 * and ends with its outcome in `herald.result`: `ok` / `subscribed`, or the refusal (status
 * ERROR). A presence subscribe hands its context to the join (presence-link.ts), so the
 * replicas' join spans and the member_added they cause join this trace. Only built with
 * tracing on: without it, signin and subscribe test one field and go on as before.
 */
import { ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';
import type { ChannelType } from '../../core/src/protocol/channel-names';
import { ProtocolError, PusherErrors, SubscriptionRefused } from '../../core/src/protocol/errors';
import { type TraceCarrier, traceCarrier, withContext } from '../../core/src/tracing/event-trace-context';
import {
  ATTR_ERROR_TYPE,
  ATTR_HERALD_APP_ID,
  ATTR_HERALD_CHANNEL,
  ATTR_HERALD_CHANNEL_TYPE,
  ATTR_HERALD_RESULT,
  ATTR_HERALD_SOCKET_ID,
} from '../../core/src/tracing/span-attributes';
import type { Connection } from './connection';

/**
 * What a refusal is called in `herald.result`: the Pusher error code where the protocol has
 * one (a signin's 4009; a subscription refused for its signature is Pusher's 4009 too, though
 * the client hears it as a subscription_error), else the subscription_error type, else
 * `invalid_frame` (a pusher:error without a code) or `internal_error` (a bug).
 */
export function refusalResult(err: unknown): string {
  if (err instanceof SubscriptionRefused) return err.type === 'AuthError' ? String(PusherErrors.unauthorized.code) : err.type;
  if (err instanceof ProtocolError) return err.code === null ? 'invalid_frame' : String(err.code);
  return 'internal_error';
}

/** `error.type`: the class of refusal (AuthError, PresenceError… or the Pusher code), as OpenTelemetry asks for failed operations. */
function errorType(err: unknown): string {
  if (err instanceof SubscriptionRefused) return err.type;
  return refusalResult(err);
}

export class GatewaySpans {
  constructor(private readonly tracer: Tracer) {}

  /** Runs a pusher:signin inside its span. */
  signin(connection: Connection, handle: () => Promise<void>): Promise<void> {
    return this.run(this.start('pusher:signin', connection), 'ok', handle);
  }

  /**
   * Runs an authorised pusher:subscribe inside its span; `join` gets the span's context to
   * carry on (empty when unsampled). A refusal thrown at once is rethrown at once, as the
   * subscribe without tracing throws it (before the next frame is handled).
   */
  subscribe(connection: Connection, channel: string, type: ChannelType, join: (context: TraceCarrier) => Promise<void>): Promise<void> {
    const span = this.start(`pusher:subscribe ${type}`, connection);
    span.setAttribute(ATTR_HERALD_CHANNEL, channel);
    span.setAttribute(ATTR_HERALD_CHANNEL_TYPE, type);
    return this.run(span, 'subscribed', () => join(traceCarrier(span.spanContext())));
  }

  private start(name: string, connection: Connection): Span {
    // ROOT_CONTEXT: a client's frame starts its own trace, whatever else this process is doing.
    return this.tracer.startSpan(
      name,
      { kind: SpanKind.SERVER, attributes: { [ATTR_HERALD_APP_ID]: connection.app.id, [ATTR_HERALD_SOCKET_ID]: connection.socketId } },
      ROOT_CONTEXT,
    );
  }

  private run(span: Span, okResult: string, work: () => Promise<void>): Promise<void> {
    let pending: Promise<void>;
    try {
      // Inside the span's context, so log lines written while handling carry its ids.
      pending = withContext(trace.setSpan(ROOT_CONTEXT, span), work);
    } catch (err) {
      refused(span, err);
      throw err;
    }
    return pending.then(
      () => {
        span.setAttribute(ATTR_HERALD_RESULT, okResult);
        span.end();
      },
      (err: unknown) => {
        refused(span, err);
        throw err;
      },
    );
  }
}

function refused(span: Span, err: unknown): void {
  span.setAttribute(ATTR_HERALD_RESULT, refusalResult(err));
  span.setAttribute(ATTR_ERROR_TYPE, errorType(err));
  span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
  span.end();
}
