/**
 * Where an API error becomes an HTTP answer, and where the API's server-side failures are
 * logged: the events endpoint, every fastify route of the api and the closing HTTP server
 * all answer errors through here.
 */
import type { ServerResponse } from 'node:http';
import type { Logger } from '../../core/src/logging/logger';
import { ApiError, apiErrors } from './api-errors';

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

export interface ErrorResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** `{"error": "…"}` */
  readonly body: string;
}

/** What a handler threw, as the API error it answers: fastify's own request errors keep their meaning, anything else is a 500. */
function asApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const { code, statusCode, message } = (err ?? {}) as { code?: unknown; statusCode?: unknown; message?: unknown };
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') return apiErrors.bodyTooLarge();
  if (code === 'FST_ERR_CTP_INVALID_JSON_BODY' || code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return apiErrors.invalidJson();
  if (statusCode === 415) return apiErrors.unsupportedMediaType();
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) return apiErrors.malformedRequest({ problem: String(message) });
  return apiErrors.internal();
}

export function errorResponse(err: unknown, logger: Logger, url: string | undefined): ErrorResponse {
  const error = asApiError(err);
  if (error.status === 500) logger.error({ err, url }, 'api request failed');
  // 503s are outages (bus, presence, store) that readiness and metrics already report; one
  // line per refused request would flood the log at publish rates.
  else if (error.status >= 500) logger.debug({ err, url }, 'api request refused: unavailable');
  return { status: error.status, headers: { ...error.headers, 'content-type': JSON_CONTENT_TYPE }, body: JSON.stringify({ error: error.message }) };
}

/** Writes an error answer on Node's own response (the paths that bypass fastify). */
export function sendErrorResponse(response: ServerResponse, answer: ErrorResponse): void {
  response.writeHead(answer.status, { ...answer.headers, 'content-length': Buffer.byteLength(answer.body) });
  response.end(answer.body);
}
