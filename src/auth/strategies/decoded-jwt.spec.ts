import { claimsOf, type DecodedJwt } from './decoded-jwt.js';

const SID = '0f8fad5b-d9cb-469f-a165-70867728950e';
const jwt = (typ: unknown, payload: Record<string, unknown>): DecodedJwt => ({ header: { typ }, payload });

describe('claimsOf', () => {
  it('returns the numeric user id and the session id of a token of the expected type', () => {
    expect(claimsOf(jwt('at+jwt', { sub: '42', sid: SID }), 'at+jwt')).toEqual({ userId: 42, sessionId: SID });
    expect(claimsOf(jwt('rt+jwt', { sub: '2147483647', sid: SID }), 'rt+jwt')).toEqual({ userId: 2_147_483_647, sessionId: SID });
  });

  it.each([
    ['a refresh token where an access token is expected', 'rt+jwt', 'at+jwt'],
    ['an access token where a refresh token is expected', 'at+jwt', 'rt+jwt'],
    ['a token without typ', undefined, 'at+jwt'],
    ['a plain JWT', 'JWT', 'at+jwt'],
    ['a typ in another case', 'AT+JWT', 'at+jwt'],
    ['a typ that is not a string', ['at+jwt'], 'at+jwt'],
  ])('null for %s', (_, typ, expected) => {
    expect(claimsOf(jwt(typ, { sub: '42', sid: SID }), expected)).toBeNull();
  });

  it.each([
    ['sub missing', { sid: SID }],
    ['sub as a number', { sub: 42, sid: SID }],
    ['sub zero', { sub: '0', sid: SID }],
    ['sub negative', { sub: '-1', sid: SID }],
    ['sub with a leading zero', { sub: '042', sid: SID }],
    ['sub fractional', { sub: '1.5', sid: SID }],
    ['sub in exponent form', { sub: '1e3', sid: SID }],
    ['sub not a number', { sub: 'admin', sid: SID }],
    ['sub with spaces', { sub: ' 42', sid: SID }],
    ['sub longer than ten digits', { sub: '12345678901', sid: SID }],
    ['sid missing', { sub: '42' }],
    ['sid not a UUID', { sub: '42', sid: 'session-1' }],
    ['sid as a number', { sub: '42', sid: 1 }],
    ['sid with extra characters', { sub: '42', sid: `${SID}x` }],
    ['sid as an object', { sub: '42', sid: { $ne: null } }],
  ])('null for %s', (_, payload) => {
    expect(claimsOf(jwt('at+jwt', payload), 'at+jwt')).toBeNull();
  });
});
