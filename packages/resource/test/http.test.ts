import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DPOP_ALGORITHMS, TokenError, checkRequirements, errorResponse, extractToken, type VerifiedToken } from '../src/index.js';

const kind = (k: TokenError['kind']) => (err: unknown) => err instanceof TokenError && err.kind === k;

describe('extractToken', () => {
  it('takes the token from a Bearer header, whatever the scheme case', () => {
    assert.equal(extractToken({ authorization: 'Bearer abc.def-_~+/==', url: '/' }), 'abc.def-_~+/==');
    assert.equal(extractToken({ authorization: 'bearer  abc', url: '/' }), 'abc');
    assert.equal(extractToken({ authorization: 'BEARER abc', url: '/' }), 'abc');
  });

  it('treats no header or another scheme as a missing token', () => {
    assert.throws(() => extractToken({ authorization: undefined, url: '/' }), kind('missing'));
    assert.throws(() => extractToken({ authorization: 'Basic YTpi', url: '/' }), kind('missing'));
    assert.throws(() => extractToken({ authorization: 'Bearerabc', url: '/' }), kind('missing'));
  });

  it('calls an empty or ill-formed Bearer credential a bad request', () => {
    assert.throws(() => extractToken({ authorization: 'Bearer', url: '/' }), kind('malformed'));
    assert.throws(() => extractToken({ authorization: 'Bearer a b', url: '/' }), kind('malformed'));
    assert.throws(() => extractToken({ authorization: 'Bearer a"b', url: '/' }), kind('malformed'));
  });

  it('refuses a token sent in more than one way, or as a parameter', () => {
    assert.throws(() => extractToken({ authorization: 'Bearer abc', url: '/x?access_token=abc' }), kind('malformed'));
    assert.throws(() => extractToken({ authorization: 'Bearer abc', url: '/x', body: { access_token: 'abc' } }), kind('malformed'));
    assert.throws(() => extractToken({ authorization: undefined, url: '/x?a=1&access_token=abc' }), kind('malformed'));
    assert.equal(extractToken({ authorization: 'Bearer abc', url: '/x?token=abc', body: { note: 'hi' } }), 'abc');
  });
});

describe('errorResponse', () => {
  it('builds RFC 6750 challenges', () => {
    // RFC 9449 §7.1: no token at all is answered with the Bearer and the DPoP challenge.
    assert.deepEqual(errorResponse(new TokenError('missing', 'No token'), 'demo').headers['www-authenticate'],
      `Bearer realm="demo", DPoP algs="${DPOP_ALGORITHMS.join(' ')}"`);
    const invalid = errorResponse(new TokenError('invalid', 'Expired'), 'demo');
    assert.equal(invalid.status, 401);
    assert.equal(invalid.headers['www-authenticate'], 'Bearer realm="demo", error="invalid_token", error_description="Expired"');
    const malformed = errorResponse(new TokenError('malformed', 'Twice'), 'demo');
    assert.equal(malformed.status, 400);
    assert.deepEqual(malformed.body, { error: 'invalid_request', error_description: 'Twice' });
    const insufficient = errorResponse(new TokenError('insufficient', 'Needs more', ['a', 'b']), 'demo');
    assert.equal(insufficient.status, 403);
    assert.equal(insufficient.headers['www-authenticate'], 'Bearer realm="demo", error="insufficient_scope", error_description="Needs more", scope="a b"');
  });

  it('keeps quotes, backslashes and non-ASCII out of the header', () => {
    const response = errorResponse(new TokenError('insufficient', 'lacks "x\\y" ü\r\n'), 're"alm');
    assert.equal(response.headers['www-authenticate'], 'Bearer realm="re?alm", error="insufficient_scope", error_description="lacks ?x?y? ???"');
    assert.equal(response.body.error_description, 'lacks "x\\y" ü\r\n');
  });
});

describe('checkRequirements', () => {
  const claims = {
    iss: 'https://id.example/realms/demo',
    sub: 'u1',
    exp: 0,
    scope: 'openid notes:read  profile',
    realm_access: { roles: ['reader'] },
    resource_access: { 'https://api.example': { roles: ['editor'] }, billing: { roles: ['viewer'] } },
  } satisfies VerifiedToken;

  it('passes when every scope and role is granted', () => {
    checkRequirements(claims, { scopes: ['notes:read', 'profile'], roles: ['reader', 'billing:viewer', 'https://api.example:editor'] });
    checkRequirements(claims, {});
  });

  it('fails with the required scopes attached', () => {
    assert.throws(
      () => checkRequirements(claims, { scopes: ['notes:read', 'notes:write'] }),
      (err: unknown) => err instanceof TokenError && err.kind === 'insufficient' && err.requiredScopes.join(' ') === 'notes:read notes:write',
    );
  });

  it('does not mix realm and client roles', () => {
    assert.throws(() => checkRequirements(claims, { roles: ['viewer'] }), kind('insufficient'));
    assert.throws(() => checkRequirements(claims, { roles: ['billing:reader'] }), kind('insufficient'));
    assert.throws(() => checkRequirements(claims, { roles: ['notes:read'] }), kind('insufficient'));
  });
});
