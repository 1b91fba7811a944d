/**
 * An HTTP server that receives Herald's webhooks the way an app would: it checks every
 * request with the official `pusher` SDK's webhook helper and records the events.
 * Tests decide how it answers (status codes in turn, a delay).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Pusher from 'pusher';
import { waitFor } from './wait';

export interface ReceivedWebhook {
  readonly timeMs: number;
  readonly events: Array<Record<string, unknown>>;
  readonly receivedAt: number;
}

/** A request as it arrived, for checking it with another SDK's webhook helper. */
export interface RawWebhookRequest {
  readonly body: string;
  readonly key: string;
  readonly signature: string;
  /** The W3C trace context Herald sent (tracing on, sampled events), '' otherwise. */
  readonly traceparent: string;
}

export interface WebhookReceiver {
  readonly url: string;
  /** Every request, valid or not, in arrival order. */
  readonly raw: RawWebhookRequest[];
  /** Every valid delivery, in arrival order (including ones answered with an error status). */
  readonly deliveries: ReceivedWebhook[];
  /** Events of deliveries that were answered 2xx. */
  accepted(): Array<Record<string, unknown>>;
  /** Requests whose signature the pusher SDK rejected. */
  readonly invalid: number;
  /** Answer the next requests with these statuses (then 200). */
  respondWith(...statuses: number[]): void;
  /** Wait this long before answering each request. */
  setDelay(ms: number): void;
  waitForEvents(predicate: (events: Array<Record<string, unknown>>) => boolean, what: string, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

export async function startWebhookReceiver(app: { id: string; key: string; secret: string }): Promise<WebhookReceiver> {
  const sdk = new Pusher({ appId: app.id, key: app.key, secret: app.secret, host: '127.0.0.1', useTLS: false });
  const deliveries: ReceivedWebhook[] = [];
  const raw: RawWebhookRequest[] = [];
  const acceptedEvents: Array<Record<string, unknown>> = [];
  const statuses: number[] = [];
  let delayMs = 0;
  let invalid = 0;
  const server: Server = createServer((request, response) => {
    void (async () => {
      const rawBody = await readBody(request);
      raw.push({
        body: rawBody,
        key: String(request.headers['x-pusher-key'] ?? ''),
        signature: String(request.headers['x-pusher-signature'] ?? ''),
        traceparent: String(request.headers.traceparent ?? ''),
      });
      const webhook = sdk.webhook({ headers: request.headers as Record<string, string>, rawBody });
      if (!webhook.isValid()) {
        invalid += 1;
        response.writeHead(401).end();
        return;
      }
      const received = { timeMs: webhook.getTime().getTime(), events: webhook.getEvents() as unknown as Array<Record<string, unknown>>, receivedAt: Date.now() };
      deliveries.push(received);
      if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
      const status = statuses.shift() ?? 200;
      if (status >= 200 && status < 300) acceptedEvents.push(...received.events);
      response.writeHead(status, { 'content-type': 'application/json' }).end('{}');
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/pusher/webhooks`,
    raw,
    deliveries,
    accepted: () => acceptedEvents,
    get invalid() {
      return invalid;
    },
    respondWith: (...s) => statuses.push(...s),
    setDelay: (ms) => {
      delayMs = ms;
    },
    waitForEvents: (predicate, what, timeoutMs = 10_000) => waitFor(() => predicate(acceptedEvents), what, timeoutMs).then(() => undefined),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
