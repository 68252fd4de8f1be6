import request from 'supertest';
import { bearer, signUp, uniqueEmail, type Session } from '../support/api.js';
import { useTestApp } from '../support/test-app.js';

const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('GET /users/me', () => {
  const t = useTestApp();
  let user: Session;
  beforeAll(async () => {
    user = await signUp(t.http, uniqueEmail('me'));
  }, 30_000);

  it('200 with exactly the public user shape, timestamps as ISO-8601 strings matching the stored row', async () => {
    const response = await request(t.http).get('/users/me').set(bearer(user.accessToken));
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    const stored = await t.prisma.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(response.body).toEqual({
      id: user.id,
      email: user.email,
      role: 'USER',
      emailVerified: false,
      mfaEnabled: false,
      createdAt: stored.createdAt.toISOString(),
      updatedAt: stored.updatedAt.toISOString(),
    });
    expect(response.body.createdAt).toMatch(ISO_8601);
    expect(response.body.updatedAt).toMatch(ISO_8601);
    expect(response.text).not.toMatch(/passwordHash|password_hash|\$argon2/);
  }, 30_000);

  it('reads the user from the database, not from the token: a changed email shows at once; a changed role refuses the old token', async () => {
    const email = uniqueEmail('changed');
    const updated = await t.prisma.user.update({ where: { id: user.id }, data: { email } });
    try {
      const response = await request(t.http).get('/users/me').set(bearer(user.accessToken));
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        id: user.id,
        email,
        role: 'USER',
        emailVerified: false,
        mfaEnabled: false,
        createdAt: updated.createdAt.toISOString(),
        updatedAt: updated.updatedAt.toISOString(),
      });
      // API.md: after a role change, also one made directly in the database, the user's access tokens are refused.
      await t.prisma.user.update({ where: { id: user.id }, data: { role: 'ADMIN' } });
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect((await request(t.http).get('/users/me').set(bearer(user.accessToken))).status).toBe(401);
    } finally {
      await t.prisma.user.update({ where: { id: user.id }, data: { email: user.email, role: 'USER' } });
    }
    const after = await request(t.http).get('/users/me').set(bearer(user.accessToken));
    expect(after.status).toBe(200);
    expect(after.body).toMatchObject({ email: user.email, role: 'USER' });
  }, 30_000);

  it('each user sees their own record', async () => {
    const other = await signUp(t.http, uniqueEmail('other'));
    const response = await request(t.http).get('/users/me').set(bearer(other.accessToken));
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ id: other.id, email: other.email, role: 'USER' });
    expect(other.id).not.toBe(user.id);
  }, 30_000);

  it.each([
    ['no Authorization header', undefined],
    ['a garbage token', 'Bearer not-a-jwt'],
    ['a token-shaped garbage', 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl'],
    ['an empty bearer', 'Bearer '],
    ['another scheme', 'Basic dXNlcjpwYXNz'],
  ])('401 with %s', async (_, authorization) => {
    const call = request(t.http).get('/users/me');
    if (authorization !== undefined) call.set('Authorization', authorization);
    const response = await call;
    expect(response.status).toBe(401);
    expect(response.body).toEqual({ statusCode: 401, message: expect.any(String), error: 'Unauthorized' });
  });

  it('401 with a refresh token in place of the access token', async () => {
    const response = await request(t.http).get('/users/me').set(bearer(user.refreshToken));
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ statusCode: 401 });
  }, 30_000);

  it('401 with the access token of a deleted user', async () => {
    const gone = await signUp(t.http, uniqueEmail('gone'));
    await request(t.http).get('/users/me').set(bearer(gone.accessToken)).expect(200);
    await t.prisma.user.delete({ where: { id: gone.id } });
    const response = await request(t.http).get('/users/me').set(bearer(gone.accessToken));
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ statusCode: 401 });
  }, 30_000);
});
