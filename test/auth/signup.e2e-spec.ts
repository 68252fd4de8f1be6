import request from 'supertest';
import { TEST_ACCESS_KEY } from '../support/access-keys.js';
import { PASSWORD, decodeJwt, signedInBody, uniqueEmail } from '../support/api.js';
import { useTestApp } from '../support/test-app.js';

describe('POST /auth/signup', () => {
  const t = useTestApp();

  it('creates a USER and signs in: 201 with the public fields and a token pair', async () => {
    const response = await request(t.http).post('/auth/signup').send({ email: 'New.User@Example.com ', password: PASSWORD });
    expect(response.status).toBe(201);
    expect(response.body).toEqual(signedInBody({ id: expect.any(Number), email: 'new.user@example.com', role: 'USER' }));
    const access = decodeJwt(response.body.accessToken);
    expect(access.header).toEqual({ alg: 'ES256', typ: 'at+jwt', kid: TEST_ACCESS_KEY.kid });
    expect(access.payload).toEqual({
      sub: String(response.body.id),
      sid: expect.stringMatching(/^[0-9a-f-]{36}$/),
      role: 'USER',
      amr: ['pwd'],
      iss: 'nest-jwt-auth',
      aud: 'nest-jwt-auth',
      iat: expect.any(Number),
      exp: expect.any(Number),
      jti: expect.any(String),
    });
    expect((access.payload.exp as number) - (access.payload.iat as number)).toBe(900);
    const refresh = decodeJwt(response.body.refreshToken);
    expect(refresh.header).toEqual({ alg: 'HS256', typ: 'rt+jwt' });
    expect(refresh.payload.sid).toBe(access.payload.sid);
    expect((refresh.payload.exp as number) - (refresh.payload.iat as number)).toBe(7 * 86400);

    const stored = await t.prisma.user.findUniqueOrThrow({ where: { email: 'new.user@example.com' } });
    expect(stored.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    expect(await t.prisma.session.count({ where: { userId: stored.id } })).toBe(1);
  });

  it('409 when the email is taken, whatever its case and surrounding spaces', async () => {
    const email = uniqueEmail();
    await request(t.http).post('/auth/signup').send({ email, password: PASSWORD }).expect(201);
    const again = await request(t.http)
      .post('/auth/signup')
      .send({ email: ` ${email.toUpperCase()}`, password: PASSWORD });
    expect(again.status).toBe(409);
    expect(again.body).toEqual({ statusCode: 409, message: expect.any(String), error: 'Conflict' });
    expect(await t.prisma.user.count({ where: { email } })).toBe(1);
  });

  it.each([
    ['a role', { email: uniqueEmail(), password: PASSWORD, role: 'ADMIN' }],
    ['an unknown field', { email: uniqueEmail(), password: PASSWORD, nickname: 'x' }],
    ['no email', { password: PASSWORD }],
    ['no password', { email: uniqueEmail() }],
    ['an invalid email', { email: 'not-an-email', password: PASSWORD }],
    ['an email as an object', { email: { $ne: '' }, password: PASSWORD }],
    ['an email as an array', { email: [uniqueEmail()], password: PASSWORD }],
    ['a password as a number', { email: uniqueEmail(), password: 12345678 }],
    ['a password too short', { email: uniqueEmail(), password: 'short' }],
    ['a password over 128 characters', { email: uniqueEmail(), password: 'x'.repeat(129) }],
    ['an email over 254 characters', { email: `${'a'.repeat(60)}@${'b'.repeat(200)}.com`, password: PASSWORD }],
  ])('400 for %s, and nothing is written', async (_, body) => {
    const users = await t.prisma.user.count();
    const response = await request(t.http).post('/auth/signup').send(body);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    expect(await t.prisma.user.count()).toBe(users);
  });

  it('400 for malformed JSON', async () => {
    const response = await request(t.http).post('/auth/signup').set('Content-Type', 'application/json').send('{"email": ');
    expect(response.status).toBe(400);
    expect(response.body.statusCode).toBe(400);
  });
});
