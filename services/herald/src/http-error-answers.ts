/**
 * Every error a Herald HTTP listener answers outside the API's own routes — an unknown route,
 * a body fastify cannot parse, a malformed URL or HTTP request, a handler that throws — in the
 * API's `{"error": …}` shape, from its registry (api-errors.ts). fastify's own bodies echo the
 * whole URL, query included, and the query of a signed request carries `auth_key` and
 * `auth_signature`: these answers name at most the path.
 */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type ErrorResponse, errorResponse } from '../../api/src/api-error-response';
import { apiErrors } from '../../api/src/api-errors';
import type { Logger } from '../../core/src/logging/logger';

/** Enough of a path to recognise it; a URL can be kilobytes long. */
const SHOWN_PATH_LENGTH = 200;

/** The URL without its query (credentials), shortened. */
function pathOnly(url: string | undefined): string {
  const path = (url ?? '').split('?')[0];
  return path.length > SHOWN_PATH_LENGTH ? `${path.slice(0, SHOWN_PATH_LENGTH)}…` : path;
}

function send(reply: FastifyReply, answer: ErrorResponse): FastifyReply {
  return reply.code(answer.status).headers(answer.headers).send(answer.body);
}

/** The not-found and error handlers of the listener's root; the API's routes keep their own. */
export function answerErrorsLikeTheApi(fastify: FastifyInstance, logger: Logger): void {
  fastify.setNotFoundHandler((request, reply) =>
    send(reply, errorResponse(apiErrors.unknownRoute({ method: request.method, path: pathOnly(request.url) }), logger, pathOnly(request.url))),
  );
  fastify.setErrorHandler((error, request, reply) => send(reply, errorResponse(error, logger, pathOnly(request.url))));
}

/** fastify's `frameworkErrors`: a URL its router cannot take (fastify's own answers quote the URL). */
export function frameworkErrorAnswer(logger: Logger): (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => void {
  return (error, request, reply) => {
    const refusal =
      error.code === 'FST_ERR_BAD_URL'
        ? apiErrors.malformedRequest({ problem: 'The URL is not validly percent-encoded' })
        : error.code === 'FST_ERR_MAX_PARAM_LENGTH'
          ? apiErrors.pathSegmentTooLong()
          : error;
    send(reply, errorResponse(refusal, logger, pathOnly(request.url)));
  };
}

/** fastify's `clientErrorHandler`: a request Node's HTTP parser refused, answered on the raw socket. */
export function clientErrorAnswer(logger: Logger): (error: Error & { code?: string }, socket: Socket) => void {
  return (error, socket) => {
    // A reset connection has nobody to answer.
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const refusal =
      error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? apiErrors.requestTimeout()
        : error.code === 'HPE_HEADER_OVERFLOW'
          ? apiErrors.headersTooLarge()
          : apiErrors.malformedRequest({ problem: 'The HTTP request is malformed' });
    logger.trace({ err: error }, 'client error');
    const answer = errorResponse(refusal, logger, undefined);
    if (socket.writable) {
      const headers = Object.entries({ ...answer.headers, 'content-length': String(Buffer.byteLength(answer.body)), connection: 'close' })
        .map(([name, value]) => `${name}: ${value}\r\n`)
        .join('');
      socket.write(`HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status]}\r\n${headers}\r\n${answer.body}`);
    }
    socket.destroy(error);
  };
}
