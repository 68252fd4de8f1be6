import request from 'supertest';
import { TEST_ACCESS_KEY } from '../support/access-keys.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD, bearer, decodeJwt, signedInBody, signUp, uniqueEmail } from '../support/api.js';
import { useTestApp } from '../support/test-app.js';

describe('POST /auth/signin', () => {
  // Lockout and rate limits are not what this file tests: keep them out of the way.
  const t = useTestApp({ ADMIN_EMAIL, ADMIN_PASSWORD, SIGNIN_MAX_FAILURES: '1000', RATE_LIMIT_PER_MINUTE: '100000' });
  /** Every response this file receives, checked for leaks by the last test. */
  const seen: request.Response[] = [];
  const keep = (response: request.Response) => {
    seen.push(response);
    return response;
  };
  const signin = async (body: unknown) =>
    keep(
      await request(t.http)
        .post('/auth/signin')
        .send(body as object),
    );

  it('200 with the sign-up body shape, and a session for the user', async () => {
    const user = await signUp(t.http);
    const response = await signin({ email: user.email, password: PASSWORD });
    expect(response.status).toBe(200);
    expect(response.body).toEqual(signedInBody({ id: user.id, email: user.email, role: 'USER' }));
    const access = decodeJwt(response.body.accessToken);
    expect(access.header).toEqual({ alg: 'ES256', typ: 'at+jwt', kid: TEST_ACCESS_KEY.kid });
    expect(access.payload).toMatchObject({ sub: String(user.id), role: 'USER', iss: 'nest-jwt-auth', aud: 'nest-jwt-auth' });
    const refresh = decodeJwt(response.body.refreshToken);
    expect(refresh.header).toEqual({ alg: 'HS256', typ: 'rt+jwt' });
    expect(refresh.payload).toMatchObject({ sub: String(user.id), sid: access.payload.sid });
    // A new session, distinct from the one sign-up opened.
    expect(access.payload.sid).not.toBe(decodeJwt(user.accessToken).payload.sid);
    const session = await t.prisma.session.findUniqueOrThrow({ where: { id: access.payload.sid as string } });
    expect(session).toMatchObject({ userId: user.id, revokedAt: null });
    expect(session.tokenHash).not.toBe(response.body.refreshToken);

    const me = keep(await request(t.http).get('/users/me').set(bearer(response.body.accessToken)));
    expect(me.status).toBe(200);
    expect(me.body).toEqual({
      id: user.id,
      email: user.email,
      role: 'USER',
      emailVerified: false,
      mfaEnabled: false,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
  });

  it("200 with the user's real role: the bootstrap admin signs in as ADMIN", async () => {
    const response = await signin({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD });
    expect(response.status).toBe(200);
    const admin = await t.prisma.user.findUniqueOrThrow({ where: { email: ADMIN_EMAIL } });
    expect(response.body).toEqual(signedInBody({ id: admin.id, email: ADMIN_EMAIL, role: 'ADMIN' }));
    expect(decodeJwt(response.body.accessToken).payload).toMatchObject({ sub: String(admin.id), role: 'ADMIN' });
  });

  it('trims and lower-cases the email: " USER@X.io " signs in user@x.io', async () => {
    const user = await signUp(t.http, 'user@x.io');
    const response = await signin({ email: ' USER@X.io ', password: PASSWORD });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ id: user.id, email: 'user@x.io', role: 'USER' });
  });

  it('each sign-in creates a new session row', async () => {
    const user = await signUp(t.http);
    const before = await t.prisma.session.count({ where: { userId: user.id } });
    expect(before).toBe(1);
    const bodies = [];
    for (let i = 0; i < 3; i++) {
      const response = await signin({ email: user.email, password: PASSWORD });
      expect(response.status).toBe(200);
      bodies.push(response.body);
    }
    expect(await t.prisma.session.count({ where: { userId: user.id } })).toBe(4);
    const sids = new Set(bodies.map((body) => decodeJwt(body.accessToken).payload.sid));
    expect(sids.size).toBe(3);
    expect(new Set(bodies.map((body) => body.refreshToken)).size).toBe(3);
    for (const body of bodies) {
      keep(await request(t.http).get('/users/me').set(bearer(body.accessToken)).expect(200));
    }
  });

  describe('401', () => {
    let email: string;
    beforeAll(async () => {
      email = (await signUp(t.http)).email;
    });

    it('unknown email and wrong password get byte-identical bodies', async () => {
      const unknown = await signin({ email: uniqueEmail('nobody'), password: PASSWORD });
      const wrong = await signin({ email, password: 'wrong-password-42' });
      expect(unknown.status).toBe(401);
      expect(wrong.status).toBe(401);
      expect(wrong.body).toEqual({ statusCode: 401, message: expect.any(String), error: 'Unauthorized' });
      expect(unknown.text).toBe(wrong.text);
      expect(unknown.headers['content-type']).toBe(wrong.headers['content-type']);
    });

    it.each([
      ['exactly 128 characters', 'x'.repeat(128)],
      ['128 code points (256 UTF-16 units)', '😀'.repeat(128)],
      ['empty', ''],
      ['the right one in another case', PASSWORD.toUpperCase()],
    ])('wrong password %s: 401 (not 400), and no session', async (_, password) => {
      const sessions = await t.prisma.session.count();
      const response = await signin({ email, password });
      expect(response.status).toBe(401);
      expect(response.body).toEqual({ statusCode: 401, message: expect.any(String), error: 'Unauthorized' });
      expect(await t.prisma.session.count()).toBe(sessions);
    });

    it('a long password is never truncated: the same first 100 characters are not enough', async () => {
      const long = 'p'.repeat(100) + 'q'.repeat(20);
      const user = await signUp(t.http, uniqueEmail(), long);
      const response = await signin({ email: user.email, password: 'p'.repeat(100) + 'r'.repeat(20) });
      expect(response.status).toBe(401);
      expect((await signin({ email: user.email, password: long })).status).toBe(200);
    });
  });

  describe('400 for a malformed body, even with the right credentials, and no session', () => {
    let email: string;
    beforeAll(async () => {
      email = (await signUp(t.http)).email;
    });

    it.each<[string, (email: string) => unknown]>([
      ['a role', (email) => ({ email, password: PASSWORD, role: 'ADMIN' })],
      ['an unknown field', (email) => ({ email, password: PASSWORD, remember: true })],
      ['no email', () => ({ password: PASSWORD })],
      ['no password', (email) => ({ email })],
      ['an empty object', () => ({})],
      ['an email as a number', () => ({ email: 42, password: PASSWORD })],
      ['an email as an object', () => ({ email: { $ne: '' }, password: PASSWORD })],
      ['an email as an array', (email) => ({ email: [email], password: PASSWORD })],
      ['a password as a number', (email) => ({ email, password: 12345678 })],
      ['a password as null', (email) => ({ email, password: null })],
      ['a password as an array', (email) => ({ email, password: [PASSWORD] })],
      ['a password as an object', (email) => ({ email, password: { $gt: '' } })],
      ['an invalid email', () => ({ email: 'not-an-email', password: PASSWORD })],
      ['a password of 129 characters', (email) => ({ email, password: 'x'.repeat(129) })],
      ['a password of 129 code points', (email) => ({ email, password: '😀'.repeat(129) })],
      ['a JSON array', (email) => [{ email, password: PASSWORD }]],
    ])('%s', async (_, body) => {
      const sessions = await t.prisma.session.count();
      const response = await signin(body(email));
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      expect(response.body.message).toBeDefined();
      expect(await t.prisma.session.count()).toBe(sessions);
    });

    it('malformed JSON', async () => {
      const response = keep(
        await request(t.http).post('/auth/signin').set('Content-Type', 'application/json').send(`{"email": "${email}", `),
      );
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ statusCode: 400 });
    });
  });

  it('no response contains a password, a password hash or a token hash', async () => {
    // A full tour on top of what the tests above received: sign-up, sign-in, me, refresh, sign-out, failures.
    const email = uniqueEmail('tour');
    const up = keep(await request(t.http).post('/auth/signup').send({ email, password: PASSWORD }));
    expect(up.status).toBe(201);
    const inn = await signin({ email, password: PASSWORD });
    expect(inn.status).toBe(200);
    keep(await request(t.http).get('/users/me').set(bearer(inn.body.accessToken)).expect(200));
    const refreshed = keep(await request(t.http).post('/auth/refresh').set(bearer(inn.body.refreshToken)));
    expect(refreshed.status).toBe(200);
    keep(await request(t.http).post('/auth/refresh').set(bearer('garbage')).expect(401));
    keep(await request(t.http).post('/auth/signout').set(bearer(refreshed.body.accessToken)).expect(204));
    keep(await request(t.http).get('/users/me').set(bearer(refreshed.body.accessToken)).expect(401));
    keep(await request(t.http).post('/auth/signup').send({ email, password: PASSWORD }).expect(409));
    keep(
      await request(t.http)
        .post('/auth/signup')
        .send({ email: uniqueEmail(), password: 'x'.repeat(129) })
        .expect(400),
    );
    await signin({ email, password: `${PASSWORD}-wrong` });

    const user = await t.prisma.user.findUniqueOrThrow({ where: { email } });
    const hashes = (await t.prisma.session.findMany()).flatMap((session) => [session.tokenHash, session.previousTokenHash]);
    const forbidden = [
      'passwordHash',
      'password_hash',
      'tokenHash',
      'token_hash',
      '$argon2',
      PASSWORD,
      ADMIN_PASSWORD,
      user.passwordHash,
      ...hashes.filter((hash): hash is string => hash !== null),
    ];
    expect(seen.length).toBeGreaterThan(40);
    // The texts are really there to be searched (tokens and error bodies alike).
    expect(seen.filter((response) => response.text?.includes('"refreshToken"')).length).toBeGreaterThan(5);
    expect(seen.filter((response) => response.text?.includes('"statusCode":400')).length).toBeGreaterThan(10);
    for (const response of seen) {
      for (const secret of forbidden) expect(response.text ?? '').not.toContain(secret);
      expect(response.text ?? '').not.toMatch(/\n\s+at /); // no stack trace
    }
  });
});
