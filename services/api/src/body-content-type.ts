/**
 * The one Content-Type rule for every API request body, on POST …/events and on every fastify
 * route alike: JSON, said as `application/json` (any case, any parameters such as charset) or
 * not said at all. Every official server SDK sends `application/json` (Node, Python, Go, Java,
 * Ruby, PHP, .NET); hand-written clients that send no type keep working. A body said to be
 * something else (a form, text) gets 415, before its bytes are read or its signature checked.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { type ApiError, apiErrors } from './api-errors';

/** Content-Length above 0 or a chunked body: bodyless requests (GET, an empty POST) pass whatever their type. */
function hasBody(headers: IncomingHttpHeaders): boolean {
  return headers['transfer-encoding'] !== undefined || (headers['content-length'] !== undefined && headers['content-length'] !== '0');
}

/** A blank header says nothing, like a missing one. */
export function saysNoContentType(headers: IncomingHttpHeaders): boolean {
  return (headers['content-type'] ?? '').trim() === '';
}

/** The 415 to answer, or undefined when the request's body may be read as JSON. */
export function bodyContentTypeRefusal(headers: IncomingHttpHeaders): ApiError | undefined {
  if (!hasBody(headers) || saysNoContentType(headers)) return undefined;
  const mediaType = (headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  return mediaType === 'application/json' ? undefined : apiErrors.unsupportedMediaType();
}
