/**
 * `POST /apps/:app_id/events` without fastify's router, hooks and reply machinery: the
 * busiest API call, where that machinery cost more than the work itself (the many-channels
 * benchmark). Same checks in the same order as the fastify route — body size, JSON, then the
 * signature — and the same answers, through the same `triggerEvent`. Whatever it does not
 * take (other routes, unknown apps, apps with an API rate limit) goes on to fastify.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { App, AppRegistry } from '../../core/src/apps/app-registry';
import type { Clock } from '../../core/src/clock';
import type { Logger } from '../../core/src/logging/logger';
import { HttpError } from './http-error';
import { parseJsonBody } from './json-body';
import { verifySignedRequest } from './request-auth';
import { type EventRoutesOptions, triggerEvent } from './routes/events';

/** Handles the request and returns true, or returns false and leaves it alone. */
export type RequestInterceptor = (request: IncomingMessage, response: ServerResponse) => boolean;

export interface EventsFastPathOptions extends EventRoutesOptions {
  readonly apps: AppRegistry;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly maxSkewSeconds: number;
  readonly bodyLimit: number;
}

const EVENTS_PATH = /^\/apps\/([A-Za-z0-9_-]+)\/events(?:\?|$)/;
const JSON_TYPE = 'application/json; charset=utf-8';

function reply(response: ServerResponse, status: number, body: object): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

export function eventsFastPath(options: EventsFastPathOptions): RequestInterceptor {
  const answer = async (app: App, request: IncomingMessage, rawBody: string): Promise<object> => {
    const body = parseJsonBody(rawBody);
    verifySignedRequest(app, { method: 'POST', url: request.url ?? '', rawBody }, options.clock, options.maxSkewSeconds);
    return triggerEvent(app, body, options);
  };

  return (request, response) => {
    if (request.method !== 'POST') return false;
    const appId = EVENTS_PATH.exec(request.url ?? '')?.[1];
    const app = appId === undefined ? undefined : options.apps.byId(appId);
    if (!app || app.limits.maxApiRequestsPerSecond > 0) return false;

    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > options.bodyLimit) tooLarge = true;
      else chunks.push(chunk);
    });
    request.on('end', () => {
      if (tooLarge) return reply(response, 413, { error: 'Request body too large' });
      answer(app, request, Buffer.concat(chunks).toString('utf8')).then(
        (body) => reply(response, 200, body),
        (err: unknown) => {
          if (err instanceof HttpError) return reply(response, err.status, { error: err.message });
          options.logger.error({ err, url: request.url }, 'api request failed');
          reply(response, 500, { error: 'Internal server error' });
        },
      );
    });
    request.on('error', (err) => options.logger.debug({ err }, 'api request aborted'));
    return true;
  };
}
