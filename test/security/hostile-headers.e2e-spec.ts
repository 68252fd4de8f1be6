import request from 'supertest';
import { ADMIN_EMAIL, ADMIN_PASSWORD, bearer, signUp, uniqueEmail, PASSWORD, type Session } from '../support/api.js';
import { useTestApp } from '../support/test-app.js';
import { UUID, expectCleanResponse, expectNothingWritten, snapshot } from './helpers.js';

const json = JSON.stringify;

describe('hostile input: Authorization headers, unknown routes, wrong methods, request ids, client addresses', () => {
  const t = useTestApp({ ADMIN_EMAIL, ADMIN_PASSWORD, TRUST_PROXY: '1' });
  let victim: Session;

  beforeAll(async () => {
    victim = await signUp(t.http);
  });

  describe('odd Authorization headers', () => {
    const forge = (token: string, header: object) => {
      const [, payload] = token.split('.');
      return `${Buffer.from(json(header)).toString('base64url')}.${payload}.`;
    };

    const cases: Array<[string, () => string]> = [
      ['an empty bearer', () => 'Bearer '],
      ['the bare word Bearer', () => 'Bearer'],
      ['another scheme (Basic abc)', () => 'Basic abc'],
      ['Basic with the real email and password', () => `Basic ${Buffer.from(`${victim.email}:${PASSWORD}`).toString('base64')}`],
      ['a four-part token', () => 'Bearer a.b.c.d'],
      ['a four-part token made of a valid token and a fourth part', () => `Bearer ${victim.accessToken}.e30`],
      ['a 6 KB bearer string', () => `Bearer ${'A'.repeat(6 * 1024)}`],
      ['a 6 KB three-part bearer token', () => `Bearer ${'A'.repeat(2048)}.${'B'.repeat(2048)}.${'C'.repeat(2048)}`],
      ['two Bearer words', () => `Bearer Bearer ${victim.accessToken}`],
      ['a token without a scheme', () => victim.accessToken],
      ['another scheme with a valid token (Token)', () => `Token ${victim.accessToken}`],
      ['the refresh token instead of the access token', () => `Bearer ${victim.refreshToken}`],
      ['an alg:none token with valid claims', () => `Bearer ${forge(victim.accessToken, { alg: 'none', typ: 'at+jwt' })}`],
      ['a valid token with its signature cut off', () => `Bearer ${victim.accessToken.split('.').slice(0, 2).join('.')}.`],
    ];

    it.each(cases)('GET /users/me with %s: 401, nothing written', async (_name, header) => {
      const response = await expectNothingWritten(t, () => request(t.http).get('/users/me').set('Authorization', header()));
      expect(response.status).toBe(401);
      expect(response.body).toEqual({ statusCode: 401, message: 'invalid or missing access token', error: 'Unauthorized' });
      expectCleanResponse(response);
    });

    it.each(cases.filter(([name]) => !name.includes('refresh token')))(
      'POST /auth/refresh with %s: 401, nothing written',
      async (_name, header) => {
        const response = await expectNothingWritten(t, () => request(t.http).post('/auth/refresh').set('Authorization', header()));
        expect(response.status).toBe(401);
        expectCleanResponse(response);
      },
    );

    it.each([
      ['another token', () => `Bearer ${victim.accessToken} ${victim.refreshToken}`],
      ['a word', () => `Bearer ${victim.accessToken} extra`],
      ['a second Bearer', () => `Bearer ${victim.accessToken} Bearer ${victim.accessToken}`],
      ['a tab and a word', () => `Bearer ${victim.accessToken}\tx`],
    ])('GET /users/me with content after a valid token (%s): 401, nothing written', async (_name, header) => {
      const response = await expectNothingWritten(t, () => request(t.http).get('/users/me').set('Authorization', header()));
      expect(response.status).toBe(401);
      expect(response.body).toEqual({ statusCode: 401, message: 'invalid or missing access token', error: 'Unauthorized' });
      expectCleanResponse(response);
    });

    it('POST /auth/refresh with content after a valid refresh token: 401, nothing written, the token still works after', async () => {
      const owner = await signUp(t.http);
      for (const header of [`Bearer ${owner.refreshToken} extra`, `Bearer ${owner.refreshToken} ${owner.refreshToken}`]) {
        const response = await expectNothingWritten(t, () => request(t.http).post('/auth/refresh').set('Authorization', header));
        expect(response.status).toBe(401);
        expectCleanResponse(response);
      }
      expect((await request(t.http).post('/auth/refresh').set(bearer(owner.refreshToken))).status).toBe(200);
    });

    it('a lower-case scheme with a valid token is accepted (the scheme is matched case-insensitively, as RFC 9110 says): 200', async () => {
      const response = await expectNothingWritten(t, () =>
        request(t.http).get('/users/me').set('Authorization', `bearer ${victim.accessToken}`),
      );
      expect(response.status).toBe(200);
      expect(response.body.id).toBe(victim.id);
      expectCleanResponse(response);
    });
  });

  describe('unknown routes and wrong methods', () => {
    it.each([
      ['GET', '/nope'],
      ['POST', '/auth/nope'],
      ['GET', '/users/me/extra'],
      ['GET', '/auth/signin/..%2f..%2fetc%2fpasswd'],
      ['GET', `/${'x'.repeat(2000)}`],
    ] as const)('%s %s: 404 with the NestJS body', async (method, path) => {
      const response = await expectNothingWritten(t, () => request(t.http)[method === 'GET' ? 'get' : 'post'](path));
      expect(response.status).toBe(404);
      expect(response.body).toEqual({ statusCode: 404, message: `Cannot ${method} ${path}`, error: 'Not Found' });
      expectCleanResponse(response);
    });

    it.each([
      ['GET', '/auth/signin'],
      ['PUT', '/users/me'],
      ['DELETE', '/auth/refresh'],
      ['GET', '/auth/signup'],
      ['PATCH', '/auth/password'],
    ] as const)('%s %s (a wrong method): 404 with the NestJS body (Fastify answers 404, not 405)', async (method, path) => {
      const call = request(t.http)[method.toLowerCase() as 'get' | 'put' | 'delete' | 'patch'];
      const response = await expectNothingWritten(t, () => call(path).set(bearer(victim.accessToken)));
      expect(response.status).toBe(404);
      expect(response.body).toEqual({ statusCode: 404, message: `Cannot ${method} ${path}`, error: 'Not Found' });
      expectCleanResponse(response);
    });
  });

  describe('X-Request-Id', () => {
    it('a sane one of 64 characters is echoed', async () => {
      const given = 'A'.repeat(32) + '0123456789-_.:abcdefghijklmnopqr';
      expect(given).toHaveLength(64);
      const response = await request(t.http).get('/users/me').set('X-Request-Id', given);
      expect(response.headers['x-request-id']).toBe(given);
    });

    it('a sane one is echoed', async () => {
      const response = await request(t.http).get('/users/me').set('X-Request-Id', 'client-req_42.a:b');
      expect(response.headers['x-request-id']).toBe('client-req_42.a:b');
      expectCleanResponse(response);
    });

    it('one is generated when absent', async () => {
      const response = await request(t.http).post('/auth/signin').send({ email: 'x@example.com', password: 'whatever-it-is' });
      expect(response.headers['x-request-id']).toMatch(UUID);
      expectCleanResponse(response);
    });

    it.each([
      ['300 characters', 'a'.repeat(300)],
      ['65 characters (not short)', 'a'.repeat(65)],
      ['non-ASCII letters', 'réquête-42'],
      ['a slash', 'req/42'],
      ['spaces', 'has some spaces'],
      ['a path', '../../etc/passwd'],
      ['markup', '<script>alert(1)</script>'],
      ['a JSON fragment', '","level":60,"msg":"forged'],
    ])('a hostile one (%s) is replaced by a generated one', async (_name, given) => {
      const response = await request(t.http).get('/users/me').set('X-Request-Id', given);
      expect(response.headers['x-request-id']).not.toBe(given);
      expect(response.headers['x-request-id']).toMatch(UUID);
      expectCleanResponse(response);
    });
  });

  describe('a client address from X-Forwarded-For (TRUST_PROXY=1) longer than the session ip column', () => {
    const longAddress = 'x'.repeat(100);

    it('sign-up: never a 500 or a half-written account (201 with one user and one session, or a 4xx with nothing)', async () => {
      const email = uniqueEmail('xff');
      const before = await snapshot(t);
      const response = await request(t.http).post('/auth/signup').set('X-Forwarded-For', longAddress).send({ email, password: PASSWORD });
      const after = await snapshot(t);
      // No account without its session: 201 writes both, anything else writes nothing (API.md: no partial write).
      const written = { users: after.userCount - before.userCount, sessions: after.sessionCount - before.sessionCount };
      expect(written).toEqual(response.status === 201 ? { users: 1, sessions: 1 } : { users: 0, sessions: 0 });
      expect([201, 400]).toContain(response.status);
      expectCleanResponse(response);
    });

    it('sign-in: never a 500 (200 with a session, or a 4xx with nothing written)', async () => {
      const before = await snapshot(t);
      const response = await request(t.http)
        .post('/auth/signin')
        .set('X-Forwarded-For', longAddress)
        .send({ email: victim.email, password: PASSWORD });
      const after = await snapshot(t);
      expect([200, 400]).toContain(response.status);
      expect(after.userCount).toBe(before.userCount);
      expect(after.sessionCount).toBe(before.sessionCount + (response.status === 200 ? 1 : 0));
      expectCleanResponse(response);
    });
  });
});
