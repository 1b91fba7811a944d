/**
 * One rendering for every API error: status, `{"error": message}` as JSON and the error's
 * headers; fastify's own request errors keep their meaning; anything else is a 500, logged
 * once with its cause, while 503s (outages) stay out of the error log.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { captureLogs } from '../../../test/helpers/log-capture';
import { errorResponse, JSON_CONTENT_TYPE } from './api-error-response';
import { apiErrors } from './api-errors';

/** A fastify error as its content-type parser raises it. */
const fastifyError = (code: string, statusCode: number, message: string) => Object.assign(new Error(message), { code, statusCode });

describe('API error responses', () => {
  it('renders a registered error as its status, a JSON {error} body and its headers', () => {
    const logs = captureLogs('debug');
    assert.deepEqual(errorResponse(apiErrors.tooManyChannels({ count: 4, limit: 3 }), logs.logger, '/apps/1/events'), {
      status: 400,
      headers: { 'content-type': JSON_CONTENT_TYPE },
      body: '{"error":"Too many channels: 4; the limit is 3"}',
    });
    assert.deepEqual(errorResponse(apiErrors.serverClosing(), logs.logger, '/healthz').headers, { connection: 'close', 'content-type': JSON_CONTENT_TYPE });
    assert.deepEqual(
      logs.lines.filter((l) => l.level >= 40),
      [],
      'client errors and 503s are not logged as failures',
    );
  });

  it("answers fastify's body limit with the same 413 as the events endpoint, and its other request errors with 400", () => {
    const logs = captureLogs();
    const tooLarge = errorResponse(fastifyError('FST_ERR_CTP_BODY_TOO_LARGE', 413, 'Request body is too large'), logs.logger, '/x');
    assert.deepEqual([tooLarge.status, tooLarge.body], [413, '{"error":"Request body too large"}']);
    const length = errorResponse(fastifyError('FST_ERR_CTP_INVALID_CONTENT_LENGTH', 400, 'Request body size did not match Content-Length'), logs.logger, '/x');
    assert.deepEqual([length.status, length.body], [400, '{"error":"Request body size did not match Content-Length"}']);
  });

  it('answers anything unexpected with a 500 that does not leak the cause, and logs the cause once', () => {
    const logs = captureLogs();
    const cause = new TypeError('secret internals');
    const answer = errorResponse(cause, logs.logger, '/apps/1/batch_events');
    assert.deepEqual([answer.status, answer.body], [500, '{"error":"Internal server error"}']);
    const failures = logs.lines.filter((l) => l.level >= 50);
    assert.equal(failures.length, 1);
    assert.equal(failures[0].url, '/apps/1/batch_events');
    assert.match(String((failures[0].err as { message?: string }).message), /secret internals/);
  });

  it('logs a registered 500 as a failure and a 503 only at debug level', () => {
    const logs = captureLogs('debug');
    errorResponse(apiErrors.presenceFailed({ reason: 'broken' }), logs.logger, '/apps/1/channels');
    errorResponse(apiErrors.busUnavailable(), logs.logger, '/apps/1/events');
    assert.deepEqual(
      logs.lines.map((l) => [l.level, l.url]),
      [
        [50, '/apps/1/channels'],
        [20, '/apps/1/events'],
      ],
    );
  });
});
