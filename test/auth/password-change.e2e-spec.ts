import request from 'supertest';
import { PASSWORD, bearer, signIn, signUp, uniqueEmail } from '../support/api.js';
import { useTestApp } from '../support/test-app.js';

const NEW_PASSWORD = 'a-fresh-passphrase-77';

describe('POST /auth/password', () => {
  const t = useTestApp();

  it('204: the new password works, the old one does not, and only the current session survives', async () => {
    const email = uniqueEmail();
    const laptop = await signUp(t.http, email);
    const phone = await signIn(t.http, email);

    await request(t.http)
      .post('/auth/password')
      .set(bearer(laptop.accessToken))
      .send({ currentPassword: PASSWORD, newPassword: NEW_PASSWORD })
      .expect(204);

    // The other device is cut off at once, access and refresh token alike.
    await request(t.http).get('/users/me').set(bearer(phone.accessToken)).expect(401);
    await request(t.http).post('/auth/refresh').set(bearer(phone.refreshToken)).expect(401);
    // The current session stays signed in and can still refresh.
    await request(t.http).get('/users/me').set(bearer(laptop.accessToken)).expect(200);
    await request(t.http).post('/auth/refresh').set(bearer(laptop.refreshToken)).expect(200);

    await request(t.http).post('/auth/signin').send({ email, password: PASSWORD }).expect(401);
    await request(t.http).post('/auth/signin').send({ email, password: NEW_PASSWORD }).expect(200);
  });

  it('401 for a wrong current password, and nothing changes', async () => {
    const email = uniqueEmail();
    const session = await signUp(t.http, email);
    const other = await signIn(t.http, email);
    const before = await t.prisma.user.findUniqueOrThrow({ where: { email } });

    const response = await request(t.http)
      .post('/auth/password')
      .set(bearer(session.accessToken))
      .send({ currentPassword: 'not-the-password', newPassword: NEW_PASSWORD });
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ statusCode: 401 });

    const after = await t.prisma.user.findUniqueOrThrow({ where: { email } });
    expect(after.passwordHash).toBe(before.passwordHash);
    await request(t.http).get('/users/me').set(bearer(other.accessToken)).expect(200);
  });

  it.each([
    ['a new password out of policy', { currentPassword: PASSWORD, newPassword: 'short' }],
    ['a common new password', { currentPassword: PASSWORD, newPassword: 'Password123' }],
    ['a new password over 128 characters', { currentPassword: PASSWORD, newPassword: 'y'.repeat(129) }],
    ['a missing new password', { currentPassword: PASSWORD }],
    ['a missing current password', { newPassword: NEW_PASSWORD }],
    ['an unknown field', { currentPassword: PASSWORD, newPassword: NEW_PASSWORD, role: 'ADMIN' }],
  ])('400 for %s, and the password is unchanged', async (_, body) => {
    const email = uniqueEmail();
    const session = await signUp(t.http, email);
    const before = await t.prisma.user.findUniqueOrThrow({ where: { email } });
    const response = await request(t.http).post('/auth/password').set(bearer(session.accessToken)).send(body);
    expect(response.status).toBe(400);
    const after = await t.prisma.user.findUniqueOrThrow({ where: { email } });
    expect(after.passwordHash).toBe(before.passwordHash);
  });

  it('401 without a valid access token', async () => {
    await request(t.http).post('/auth/password').send({ currentPassword: PASSWORD, newPassword: NEW_PASSWORD }).expect(401);
    const session = await signUp(t.http);
    await request(t.http)
      .post('/auth/password')
      .set(bearer(session.refreshToken))
      .send({ currentPassword: PASSWORD, newPassword: NEW_PASSWORD })
      .expect(401);
  });
});
