import request from 'supertest';
import { generateKeyPairSync, randomUUID, verify, type KeyObject } from 'node:crypto';
import { newAccessKey, TEST_ACCESS_KEY } from '../support/access-keys.js';
import { bearer, decodeJwt, signUp, type Session } from '../support/api.js';
import {
  ACCESS_HEADER,
  ACCESS_KEY,
  REFRESH_HEADER,
  REFRESH_KEY,
  nowSeconds,
  signAsymmetricJwt,
  signJwt,
  tamperPayload,
  unsignedJwt,
  type Claims,
} from '../support/jwt.js';
import { useTestApp } from '../support/test-app.js';

const UNAUTHORIZED = { statusCode: 401, message: expect.any(String), error: 'Unauthorized' };
const OTHER_KEY = 'some-other-secret-0123456789-abcdefghijkl';
/** A P-256 key that the app does not hold, under the kid of the one it does. */
const FOREIGN_KEY = newAccessKey(TEST_ACCESS_KEY.kid).privateKey;
const KID = TEST_ACCESS_KEY.kid;
/** The published public key, in the forms an attacker would try as an HMAC secret. */
const PUBLIC_PEM = TEST_ACCESS_KEY.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const PUBLIC_JWK_JSON = JSON.stringify({ ...TEST_ACCESS_KEY.publicKey.export({ format: 'jwk' }), kid: KID, alg: 'ES256', use: 'sig' });

/**
 * Token security: the app is presented with tokens it did not issue, built with the test secrets
 * (TEST_SECRETS) so that each one differs from a valid token in exactly one respect.
 */
describe('token security on GET /users/me and POST /auth/refresh', () => {
  const t = useTestApp({ RATE_LIMIT_PER_MINUTE: '100000' });
  let user: Session;
  let other: Session;
  /** The claims of `user`'s real access token, with a fresh expiry: signed as they are, they are accepted. */
  let accessClaims: Claims;

  beforeAll(async () => {
    user = await signUp(t.http);
    other = await signUp(t.http);
    accessClaims = { ...decodeJwt(user.accessToken).payload, exp: nowSeconds() + 600 };
  });

  const me = (token: string) => request(t.http).get('/users/me').set(bearer(token));
  const refresh = (token: string) => request(t.http).post('/auth/refresh').set(bearer(token));
  /** An access token for `user`'s live session, with `changes` to its claims, signed with a private key. */
  const forgeAccess = (changes: Claims = {}, header: object = ACCESS_HEADER, key: KeyObject = ACCESS_KEY, hash?: 'sha384') =>
    signAsymmetricJwt(header, { ...accessClaims, jti: randomUUID(), ...changes }, key, hash);
  /** The same, HMAC-signed with `secret`. */
  const forgeHmacAccess = (header: object, secret: string | Buffer) => signJwt(header, { ...accessClaims, jti: randomUUID() }, secret);

  async function expectMeRefused(token: string): Promise<void> {
    const response = await me(token);
    expect(response.status).toBe(401);
    expect(response.body).toEqual(UNAUTHORIZED);
  }

  describe('the forging helper is right', () => {
    it("the real access token has the helper's header and verifies with the test key; the refresh token re-signs byte for byte", () => {
      const access = decodeJwt(user.accessToken);
      expect(access.header).toEqual(ACCESS_HEADER);
      const [header, payload, signature] = user.accessToken.split('.');
      const input = Buffer.from(`${header}.${payload}`);
      const p1363 = { key: TEST_ACCESS_KEY.publicKey, dsaEncoding: 'ieee-p1363' as const };
      expect(verify('sha256', input, p1363, Buffer.from(signature, 'base64url'))).toBe(true);
      // ECDSA signatures are randomised: the helper's own token over the same input verifies too.
      const forged = signAsymmetricJwt(access.header, access.payload).split('.')[2];
      expect(verify('sha256', input, p1363, Buffer.from(forged, 'base64url'))).toBe(true);
      const refreshToken = decodeJwt(user.refreshToken);
      expect(signJwt(refreshToken.header, refreshToken.payload, REFRESH_KEY)).toBe(user.refreshToken);
    });

    it('an access token with a future exp is accepted (200), the same with a past exp is refused (401)', async () => {
      const now = nowSeconds();
      const valid = await me(forgeAccess({ iat: now - 60, exp: now + 60 }));
      expect(valid.status).toBe(200);
      expect(valid.body).toMatchObject({ id: user.id, email: user.email });
      await expectMeRefused(forgeAccess({ iat: now - 960, exp: now - 60 }));
    });
  });

  describe('GET /users/me refuses (401)', () => {
    it('a refresh token', async () => {
      await expectMeRefused(user.refreshToken);
      const response = await request(t.http).post('/auth/signout').set(bearer(user.refreshToken));
      expect(response.status).toBe(401);
    });

    it.each([
      ['alg none, empty signature', () => unsignedJwt({ alg: 'none', typ: 'at+jwt' }, accessClaims)],
      ['alg none with the kid, empty signature', () => unsignedJwt({ alg: 'none', typ: 'at+jwt', kid: KID }, accessClaims)],
      [
        'alg none, original signature kept',
        () => `${unsignedJwt({ alg: 'none', typ: 'at+jwt' }, decodeJwt(user.accessToken).payload)}${user.accessToken.split('.')[2]}`,
      ],
      ['no signature at all', () => user.accessToken.split('.').slice(0, 2).join('.') + '.'],
      ['the role changed to ADMIN, signature kept', () => tamperPayload(user.accessToken, { role: 'ADMIN' })],
      ["the sub changed to another user's, signature kept", () => tamperPayload(user.accessToken, { sub: String(other.id) })],
      ['the exp pushed back, signature kept', () => tamperPayload(user.accessToken, { exp: nowSeconds() + 86400 })],
      ['signed with another P-256 key under the known kid', () => forgeAccess({}, ACCESS_HEADER, FOREIGN_KEY)],
      ['signed with another P-256 key under an unknown kid', () => forgeAccess({}, { ...ACCESS_HEADER, kid: 'another-kid' }, FOREIGN_KEY)],
      ['signed with the access key but under an unknown kid', () => forgeAccess({}, { ...ACCESS_HEADER, kid: 'another-kid' })],
      ['signed with the access key but without kid', () => forgeAccess({}, { alg: 'ES256', typ: 'at+jwt' })],
      ['signed with the access key but a kid that is not a string', () => forgeAccess({}, { ...ACCESS_HEADER, kid: [KID] })],
      [
        'HS256 keyed with the published public key as PEM (key confusion)',
        () => forgeHmacAccess({ alg: 'HS256', typ: 'at+jwt', kid: KID }, PUBLIC_PEM),
      ],
      [
        'HS256 keyed with the published JWK as JSON (key confusion)',
        () => forgeHmacAccess({ alg: 'HS256', typ: 'at+jwt', kid: KID }, PUBLIC_JWK_JSON),
      ],
      ['HS256 keyed with the kid', () => forgeHmacAccess({ alg: 'HS256', typ: 'at+jwt', kid: KID }, KID)],
      ['HS256 with the refresh key (typ at+jwt)', () => forgeHmacAccess({ alg: 'HS256', typ: 'at+jwt' }, REFRESH_KEY)],
      ['HS256 with the refresh key and the kid', () => forgeHmacAccess({ alg: 'HS256', typ: 'at+jwt', kid: KID }, REFRESH_KEY)],
      [
        'ES384 with a P-384 key under the known kid (a key of the wrong type)',
        () => forgeAccess({}, { ...ACCESS_HEADER, alg: 'ES384' }, generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey, 'sha384'),
      ],
      [
        'RS256 with an RSA key under the known kid (a key of the wrong type)',
        () => forgeAccess({}, { ...ACCESS_HEADER, alg: 'RS256' }, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey),
      ],
      ['labelled RS256, ES256-signed with the access key', () => forgeAccess({}, { ...ACCESS_HEADER, alg: 'RS256' })],
      ['labelled ES384, ES256-signed with the access key', () => forgeAccess({}, { ...ACCESS_HEADER, alg: 'ES384' })],
      ['signed with the access key but typ rt+jwt', () => forgeAccess({}, { ...ACCESS_HEADER, typ: 'rt+jwt' })],
      ['signed with the access key but typ JWT', () => forgeAccess({}, { ...ACCESS_HEADER, typ: 'JWT' })],
      ['signed with the access key but no typ', () => forgeAccess({}, { alg: 'ES256', kid: KID })],
      ['a wrong iss', () => forgeAccess({ iss: 'someone-else' })],
      ['no iss', () => forgeAccess({ iss: undefined })],
      ['a wrong aud', () => forgeAccess({ aud: 'another-api' })],
      ['no aud', () => forgeAccess({ aud: undefined })],
      ['a sid that names no session', () => forgeAccess({ sid: randomUUID() })],
      ['a sid that is not a UUID', () => forgeAccess({ sid: 'not-a-session' })],
      ["another user's sub with this user's session", () => forgeAccess({ sub: String(other.id) })],
      ['a numeric sub', () => forgeAccess({ sub: user.id })],
      ['an exp in the past (otherwise valid, live session)', () => forgeAccess({ exp: nowSeconds() - 5 })],
    ])('%s', async (_, token) => {
      await expectMeRefused(token());
    });

    it("another user's valid token keeps working (the refusals above are not blanket)", async () => {
      expect((await me(other.accessToken)).status).toBe(200);
      expect((await me(user.accessToken)).status).toBe(200);
    });
  });

  describe('POST /auth/refresh refuses (401), and the session is left intact', () => {
    let victim: Session;
    let refreshClaims: Claims;
    beforeAll(async () => {
      victim = await signUp(t.http);
      refreshClaims = decodeJwt(victim.refreshToken).payload;
    });
    const forgeRefresh = (changes: Claims = {}, header: object = REFRESH_HEADER, key = REFRESH_KEY, hash?: 'sha512') =>
      signJwt(header, { ...refreshClaims, ...changes }, key, hash);

    it.each([
      ['an access token', () => victim.accessToken],
      ['alg none, empty signature', () => unsignedJwt({ alg: 'none', typ: 'rt+jwt' }, refreshClaims)],
      ['the sub changed, signature kept', () => tamperPayload(victim.refreshToken, { sub: String(other.id) })],
      ['the exp pushed back, signature kept', () => tamperPayload(victim.refreshToken, { exp: nowSeconds() + 30 * 86400 })],
      ['signed with another key', () => forgeRefresh({}, REFRESH_HEADER, OTHER_KEY)],
      ['ES256-signed with the access key (typ rt+jwt)', () => signAsymmetricJwt({ alg: 'ES256', typ: 'rt+jwt', kid: KID }, refreshClaims)],
      ['HS256 keyed with the published access public key (typ rt+jwt)', () => forgeRefresh({}, REFRESH_HEADER, PUBLIC_PEM)],
      ['signed with the refresh key but typ at+jwt', () => forgeRefresh({}, ACCESS_HEADER)],
      ['HS512 with the refresh key', () => forgeRefresh({}, { alg: 'HS512', typ: 'rt+jwt' }, REFRESH_KEY, 'sha512')],
      ['labelled RS256, HMAC-signed with the refresh key', () => forgeRefresh({}, { alg: 'RS256', typ: 'rt+jwt' })],
      ['a wrong iss', () => forgeRefresh({ iss: 'someone-else' })],
      ['a wrong aud', () => forgeRefresh({ aud: 'another-api' })],
      ['an exp in the past', () => forgeRefresh({ iat: nowSeconds() - 120, exp: nowSeconds() - 60 })],
    ])('%s', async (_, token) => {
      const response = await refresh(token());
      expect(response.status).toBe(401);
      expect(response.body).toEqual(UNAUTHORIZED);
      // Refused at verification: nothing was taken for a reused token of this session.
      const session = await t.prisma.session.findUniqueOrThrow({ where: { id: refreshClaims.sid as string } });
      expect(session.revokedAt).toBeNull();
      expect(session.generation).toBe(0);
    });

    it('a sid that names no session', async () => {
      const response = await refresh(forgeRefresh({ sid: randomUUID() }));
      expect(response.status).toBe(401);
      expect(response.body).toEqual(UNAUTHORIZED);
    });

    it("the victim's real refresh token still works after all that", async () => {
      const response = await refresh(victim.refreshToken);
      expect(response.status).toBe(200);
    });
  });
});
