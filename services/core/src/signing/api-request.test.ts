import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ApiAuthInput, apiAuthProblem, apiStringToSign, type QueryParams, signApiRequest } from './api-request';
import { md5Hex } from './hmac';

// Pusher's worked HTTP API example (rest-api docs, "Worked authentication example").
const KEY = '278d425bdf160c739803';
const SECRET = '7ad3773142a6692b25b8';
const BODY = '{"name":"foo","channels":["project-3"],"data":"{\\"some\\":\\"data\\"}"}';
const TIMESTAMP = 1353088179;
const EXAMPLE_PARAMS = {
  auth_key: KEY,
  auth_timestamp: String(TIMESTAMP),
  auth_version: '1.0',
  body_md5: 'ec365a775a4cd0599faeb73354201b6f',
};
const EXAMPLE_SIGNATURE = 'da454824c97ba181a32ccc17a72625ba02771f50b50e1e7430e47a1f3f457e6c';

function input(overrides: Partial<ApiAuthInput> = {}, params: QueryParams = { ...EXAMPLE_PARAMS, auth_signature: EXAMPLE_SIGNATURE }): ApiAuthInput {
  return {
    method: 'POST',
    path: '/apps/3/events',
    params,
    rawBody: BODY,
    key: KEY,
    secret: SECRET,
    nowSeconds: TIMESTAMP,
    maxSkewSeconds: 600,
    ...overrides,
  };
}

/** Params signed correctly for `now`, so only the property under test is wrong. */
function signed(params: Record<string, string>, method = 'POST', path = '/apps/3/events'): Record<string, string> {
  return { ...params, auth_signature: signApiRequest(SECRET, method, path, params) };
}

describe('HTTP API signatures', () => {
  it("reproduces Pusher's worked example: body_md5 and signature da4548…", () => {
    assert.equal(md5Hex(BODY), EXAMPLE_PARAMS.body_md5);
    assert.equal(
      apiStringToSign('POST', '/apps/3/events', EXAMPLE_PARAMS),
      'POST\n/apps/3/events\nauth_key=278d425bdf160c739803&auth_timestamp=1353088179&auth_version=1.0&body_md5=ec365a775a4cd0599faeb73354201b6f',
    );
    assert.equal(signApiRequest(SECRET, 'POST', '/apps/3/events', EXAMPLE_PARAMS), EXAMPLE_SIGNATURE);
  });

  it('sorts params by lower-cased key, leaves values unescaped and leaves auth_signature out', () => {
    assert.equal(
      apiStringToSign('get', '/apps/3/channels', {
        info: 'user_count,subscription_count',
        Filter_By_Prefix: 'presence-',
        auth_signature: 'ignored',
        auth_key: 'k',
        skipped: undefined,
      }),
      'GET\n/apps/3/channels\nauth_key=k&filter_by_prefix=presence-&info=user_count,subscription_count',
    );
  });
});

describe('apiAuthProblem', () => {
  it("accepts Pusher's worked example", () => {
    assert.equal(apiAuthProblem(input()), null);
  });

  it('accepts a GET without a body and without body_md5', () => {
    const params = signed({ auth_key: KEY, auth_timestamp: String(TIMESTAMP), auth_version: '1.0', info: 'user_count' }, 'GET', '/apps/3/channels');
    assert.equal(apiAuthProblem(input({ method: 'GET', path: '/apps/3/channels', rawBody: '' }, params)), null);
  });

  for (const missing of ['auth_key', 'auth_timestamp', 'auth_signature'] as const) {
    it(`refuses a request without ${missing} (401)`, () => {
      const params: Record<string, string> = { ...EXAMPLE_PARAMS, auth_signature: EXAMPLE_SIGNATURE };
      delete params[missing];
      const problem = apiAuthProblem(input({}, params));
      assert.equal(problem?.status, 401);
      assert.match(problem?.reason ?? '', /Missing authentication parameters/);
    });
  }

  it('refuses an unknown auth_key even when signed with the right secret', () => {
    const problem = apiAuthProblem(input({}, signed({ ...EXAMPLE_PARAMS, auth_key: 'someone-else' })));
    assert.equal(problem?.status, 401);
    assert.match(problem?.reason ?? '', /Unknown auth_key/);
  });

  it('accepts a timestamp up to 600 s either side of the server clock and refuses 601 s', () => {
    for (const skew of [-600, 600]) assert.equal(apiAuthProblem(input({ nowSeconds: TIMESTAMP + skew })), null, `skew ${skew}`);
    for (const skew of [-601, 601, 86_400]) {
      const problem = apiAuthProblem(input({ nowSeconds: TIMESTAMP + skew }));
      assert.equal(problem?.status, 401, `skew ${skew}`);
      assert.match(problem?.reason ?? '', /Timestamp expired/);
    }
  });

  it('refuses a timestamp that is not a number', () => {
    const problem = apiAuthProblem(input({}, signed({ ...EXAMPLE_PARAMS, auth_timestamp: 'yesterday' })));
    assert.match(problem?.reason ?? '', /Timestamp expired/);
  });

  it('refuses a body whose MD5 differs from body_md5, and a body without body_md5', () => {
    const tampered = apiAuthProblem(input({ rawBody: BODY.replace('foo', 'bar') }));
    assert.equal(tampered?.status, 401);
    assert.match(tampered?.reason ?? '', /body_md5 does not match/);

    const { body_md5: _dropped, ...withoutMd5 } = EXAMPLE_PARAMS;
    const missing = apiAuthProblem(input({}, signed(withoutMd5)));
    assert.match(missing?.reason ?? '', /body_md5 is required/);
  });

  it('refuses a wrong signature and names the string it expected to be signed', () => {
    const wrongSecret = { ...EXAMPLE_PARAMS, auth_signature: signApiRequest('not-the-secret', 'POST', '/apps/3/events', EXAMPLE_PARAMS) };
    const problem = apiAuthProblem(input({}, wrongSecret));
    assert.equal(problem?.status, 401);
    assert.match(problem?.reason ?? '', /Invalid signature/);
    assert.ok(problem?.reason.includes(JSON.stringify(apiStringToSign('POST', '/apps/3/events', EXAMPLE_PARAMS))));
  });

  it('refuses a valid signature replayed on another path or method, or with a changed param', () => {
    assert.match(apiAuthProblem(input({ path: '/apps/4/events' }))?.reason ?? '', /Invalid signature/);
    assert.match(apiAuthProblem(input({ method: 'PUT' }))?.reason ?? '', /Invalid signature/);
    const added = { ...EXAMPLE_PARAMS, info: 'user_count', auth_signature: EXAMPLE_SIGNATURE };
    assert.match(apiAuthProblem(input({}, added))?.reason ?? '', /Invalid signature/);
  });

  it('refuses an auth_version other than 1.0', () => {
    const problem = apiAuthProblem(input({}, signed({ ...EXAMPLE_PARAMS, auth_version: '2.0' })));
    assert.match(problem?.reason ?? '', /Unsupported auth_version 2\.0/);
  });
});
