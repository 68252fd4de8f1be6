import request from 'supertest';
import { accessKeySet, newAccessKey, type TestAccessKey } from '../support/access-keys.js';
import { bearer, decodeJwt, signIn, signUp, type Session } from '../support/api.js';
import { nowSeconds, signAsymmetricJwt } from '../support/jwt.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const OLD = newAccessKey('old-key');
const NEW = newAccessKey('new-key');

/**
 * The rotation of README "Key rotation", one restart per step, over one database: add the new key at the end,
 * move it first, remove the old one. Tokens signed before the rotation stay valid until their key is removed.
 * Apps run one at a time (Passport keeps one strategy registry per process).
 */
describe('access-key rotation across restarts', () => {
  let database: TestDatabase;
  let t: TestApp | undefined;
  let user: Session;
  /** An access token signed before the rotation began. */
  let signedBefore: string;

  const restartWith = async (...keys: TestAccessKey[]) => {
    await t?.close();
    t = await startTestApp({ JWT_ACCESS_KEYS: accessKeySet(...keys) }, database);
    return t;
  };
  const me = (token: string) => request(t!.http).get('/users/me').set(bearer(token));
  const publishedKids = async () =>
    ((await request(t!.http).get('/.well-known/jwks.json')).body.keys as { kid: string }[]).map((key) => key.kid);
  const kidOf = (token: string) => decodeJwt(token).header.kid;
  /** An access token for `user`'s session signed by `key` (as an instance holding that key first would). */
  const signedBy = (key: TestAccessKey) =>
    signAsymmetricJwt(
      { alg: 'ES256', typ: 'at+jwt', kid: key.kid },
      { ...decodeJwt(user.accessToken).payload, exp: nowSeconds() + 600 },
      key.privateKey,
    );

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await t?.close();
    await database.drop();
  });

  it('before: one key signs and is published', async () => {
    await restartWith(OLD);
    user = await signUp(t!.http);
    signedBefore = user.accessToken;
    expect(kidOf(signedBefore)).toBe('old-key');
    expect(await publishedKids()).toEqual(['old-key']);
    expect((await me(signedBefore)).status).toBe(200);
    expect((await me(signedBy(NEW))).status).toBe(401);
  });

  it('restart 1, the new key added at the end: published and verifying, the old key still signs', async () => {
    await restartWith(OLD, NEW);
    expect(await publishedKids()).toEqual(['old-key', 'new-key']);
    expect((await me(signedBefore)).status).toBe(200);
    expect(kidOf((await signIn(t!.http, user.email)).accessToken)).toBe('old-key');
    expect((await me(signedBy(NEW))).status).toBe(200);
  });

  it('restart 2, the new key moved first: it signs; tokens of the old key stay valid', async () => {
    await restartWith(NEW, OLD);
    expect(await publishedKids()).toEqual(['new-key', 'old-key']);
    const fresh = await signIn(t!.http, user.email);
    expect(kidOf(fresh.accessToken)).toBe('new-key');
    expect((await me(fresh.accessToken)).status).toBe(200);
    expect((await me(signedBefore)).status).toBe(200);
    const refreshed = await request(t!.http).post('/auth/refresh').set(bearer(user.refreshToken));
    expect(refreshed.status).toBe(200);
    expect(kidOf(refreshed.body.accessToken)).toBe('new-key');
    user = { ...user, refreshToken: refreshed.body.refreshToken, accessToken: refreshed.body.accessToken };
  });

  it('restart 3, the old key removed: its tokens are refused, the new ones and the refresh tokens keep working', async () => {
    await restartWith(NEW);
    expect(await publishedKids()).toEqual(['new-key']);
    const refused = await me(signedBefore);
    expect(refused.status).toBe(401);
    expect(refused.body).toEqual({ statusCode: 401, message: 'invalid or missing access token', error: 'Unauthorized' });
    expect((await me(signedBy(OLD))).status).toBe(401);
    expect((await me(user.accessToken)).status).toBe(200);
    const refreshed = await request(t!.http).post('/auth/refresh').set(bearer(user.refreshToken));
    expect(refreshed.status).toBe(200);
    expect(kidOf(refreshed.body.accessToken)).toBe('new-key');
  });
});
