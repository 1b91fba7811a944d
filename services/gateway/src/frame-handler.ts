/**
 * Dispatches one client frame to what handles it. The one place where what went wrong becomes
 * a frame, on that socket only: a SubscriptionRefused becomes `pusher:subscription_error`, a
 * ProtocolError `pusher:error` (closing the socket for 4000–4299), anything else an internal error.
 */
import type { Logger } from '../../core/src/logging/logger';
import { ProtocolError, SubscriptionRefused } from '../../core/src/protocol/errors';
import { isClientEventName } from '../../core/src/protocol/event-names';
import { frameDataObject, parseClientFrame, pongFrame, subscriptionErrorFrame } from '../../core/src/protocol/frames';
import type { ClientEvents } from './client-events';
import type { Connection } from './connection';
import type { Signin } from './signin';
import type { Subscriptions } from './subscriptions';

export class FrameHandler {
  constructor(
    private readonly subscriptions: Subscriptions,
    private readonly clientEvents: ClientEvents,
    private readonly signin: Signin,
    private readonly logger: Logger,
    private readonly onError: (connection: Connection, code: number | null) => void,
    private readonly onSubscriptionRefused: (connection: Connection, refusal: SubscriptionRefused) => void,
  ) {}

  handle(connection: Connection, text: string): void {
    try {
      const frame = parseClientFrame(text);
      switch (frame.event) {
        case 'pusher:ping':
          connection.send(pongFrame());
          return;
        case 'pusher:pong':
          return;
        case 'pusher:subscribe':
          this.subscriptions.subscribe(connection, frameDataObject(frame)).catch((err: unknown) => this.report(connection, err));
          return;
        case 'pusher:signin':
          this.signin.handle(connection, frameDataObject(frame)).catch((err: unknown) => this.report(connection, err));
          return;
        case 'pusher:unsubscribe': {
          const channel = frameDataObject(frame).channel;
          if (typeof channel !== 'string') throw ProtocolError.invalidFrame('pusher:unsubscribe needs data.channel');
          this.subscriptions.unsubscribe(connection, channel);
          return;
        }
        default:
          if (isClientEventName(frame.event)) {
            this.clientEvents.handle(connection, frame);
            return;
          }
          throw ProtocolError.invalidFrame(`Unsupported event ${JSON.stringify(frame.event.slice(0, 200))}`);
      }
    } catch (err) {
      this.report(connection, err);
    }
  }

  private report(connection: Connection, err: unknown): void {
    if (err instanceof SubscriptionRefused) {
      this.onSubscriptionRefused(connection, err);
      connection.send(subscriptionErrorFrame(err.channel, err.type, err.message, err.status));
      return;
    }
    if (err instanceof ProtocolError) {
      this.onError(connection, err.code);
      connection.fail({ code: err.code, message: err.message });
      return;
    }
    // A bug, not the client's fault: tell the client, keep the process and the socket up.
    this.logger.error({ err, socketId: connection.socketId }, 'error while handling a client frame');
    this.onError(connection, null);
    connection.fail({ code: null, message: 'Internal server error' });
  }
}
