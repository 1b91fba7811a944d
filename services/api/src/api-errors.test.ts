/**
 * The API's errors are declared once and documented once: every kind in `apiErrors` has its
 * row in the README's "HTTP API errors" table, with the same status and message, and the
 * table lists nothing that is not declared.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ApiError, type ApiErrorKind, apiErrors } from './api-errors';

/** The repository's README, from the source tree (tests run from dist/). */
const README = readFileSync(join(__dirname, '../../../../README.md'), 'utf8');

interface DocumentedError {
  readonly status: number;
  readonly message: string;
}

/** The rows of the table under `## HTTP API errors`: | `name` | status | `message` | when |. */
function documentedErrors(): Map<string, DocumentedError> {
  const section = README.split(/^## /m).find((s) => s.startsWith('HTTP API errors'));
  assert.ok(section, 'the README has a "## HTTP API errors" section');
  const rows = new Map<string, DocumentedError>();
  for (const line of section.split('\n')) {
    const cells = /^\| `(\w+)` \| (\d{3}) \| `([^`]*)` \| (.+) \|$/.exec(line);
    if (!cells) continue;
    assert.ok(!rows.has(cells[1]), `${cells[1]} is documented once`);
    assert.ok(cells[4].trim().length > 0, `${cells[1]} says when it is sent`);
    rows.set(cells[1], { status: Number(cells[2]), message: cells[3] });
  }
  return rows;
}

const kinds = Object.entries(apiErrors) as Array<[string, ApiErrorKind]>;

describe('API errors', () => {
  it('documents every registered error in the README, with its status and message', () => {
    const documented = documentedErrors();
    const missing = kinds.filter(([name]) => !documented.has(name)).map(([name]) => name);
    assert.deepEqual(missing, [], 'registered in api-errors.ts but not in the README table');
    for (const [name, kind] of kinds) {
      assert.deepEqual(documented.get(name), { status: kind.status, message: kind.message }, `${name}: the README row matches the registry`);
    }
  });

  it('documents nothing that is not registered', () => {
    const registered = new Set(kinds.map(([name]) => name));
    assert.deepEqual(
      [...documentedErrors().keys()].filter((name) => !registered.has(name)),
      [],
    );
  });

  it('gives every error a client or server error status', () => {
    for (const [name, kind] of kinds) assert.ok(kind.status >= 400 && kind.status < 600, `${name}: ${kind.status}`);
  });

  it('fills in every placeholder of a message', () => {
    const error = apiErrors.tooManyChannels({ count: 101, limit: 100 });
    assert.ok(error instanceof ApiError);
    assert.equal(error.status, 400);
    assert.equal(error.kind, apiErrors.tooManyChannels);
    assert.equal(error.message, 'Too many channels: 101; the limit is 100');
    assert.equal(apiErrors.unknownApp({ appId: 'nope' }).message, 'Unknown app "nope"');
    assert.equal(apiErrors.bodyTooLarge().message, 'Request body too large');
    for (const [name, kind] of kinds) {
      const names = [...kind.message.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      const filled = (kind as (params?: Record<string, string>) => ApiError)(Object.fromEntries(names.map((n) => [n, `<${n}>`])));
      assert.doesNotMatch(filled.message, /\{\w+\}/, `${name}: ${filled.message}`);
    }
  });

  it("carries a kind's own headers, and added ones without losing them", () => {
    assert.deepEqual(apiErrors.serverClosing().headers, { connection: 'close' });
    assert.deepEqual(apiErrors.serverClosing().withHeaders({ 'retry-after': '1' }).headers, { connection: 'close', 'retry-after': '1' });
    assert.deepEqual(apiErrors.invalidJson().headers, {});
  });
});
