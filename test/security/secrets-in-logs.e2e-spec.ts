import request from 'supertest';
import { bearer, uniqueEmail } from '../support/api.js';
import { useTestApp } from '../support/test-app.js';

const PASSWORD_1 = 'first-Secret-passw0rd';
const PASSWORD_2 = 'second-Secret-passw0rd';
const WRONG = 'wrong-Secret-passw0rd';
const BROKEN_JSON_PASSWORD = 'broken-json-Secret-passw0rd';
const BAD_FIELD_PASSWORD = 'bad-field-Secret-passw0rd';

type Line = Record<string, unknown>;

describe('secrets never reach the logs (LOG_LEVEL=info)', () => {
  const t = useTestApp({ LOG_LEVEL: 'info', JWT_REFRESH_REUSE_GRACE: '0' });
  const responses: Array<{ method: string; response: request.Response }> = [];
  const tokens: string[] = [];
  let userId: number;
  let firstSessionId: string;

  /** Every request of the scenario goes through here, so that the request lines can be matched one to one. */
  const track = async (pending: request.Test): Promise<request.Response> => {
    const response = await pending;
    responses.push({ method: pending.method, response });
    for (const key of ['accessToken', 'refreshToken'] as const) {
      if (typeof response.body?.[key] === 'string') tokens.push(response.body[key]);
    }
    return response;
  };

  beforeAll(async () => {
    const email = uniqueEmail('logs');

    const signup = await track(request(t.http).post('/auth/signup').send({ email, password: PASSWORD_1 }));
    expect(signup.status).toBe(201);
    userId = signup.body.id;

    const signin = await track(request(t.http).post('/auth/signin').send({ email, password: PASSWORD_1 }));
    expect(signin.status).toBe(200);
    const failed = await track(request(t.http).post('/auth/signin').send({ email, password: WRONG }));
    expect(failed.status).toBe(401);
    // Bodies that fail before or during validation, carrying a password.
    const broken = await track(
      request(t.http)
        .post('/auth/signin')
        .set('Content-Type', 'application/json')
        .send(`{"email":"${email}","password":"${BROKEN_JSON_PASSWORD}"`),
    );
    expect(broken.status).toBe(400);
    const badField = await track(
      request(t.http).post('/auth/signup').send({ email: uniqueEmail(), password: BAD_FIELD_PASSWORD, role: 'ADMIN' }),
    );
    expect(badField.status).toBe(400);

    // Refresh, then replay the rotated token after the grace window (0 s): reuse detection.
    firstSessionId = JSON.parse(Buffer.from(signin.body.refreshToken.split('.')[1], 'base64url').toString()).sid;
    const refreshed = await track(request(t.http).post('/auth/refresh').set(bearer(signin.body.refreshToken)));
    expect(refreshed.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const reused = await track(request(t.http).post('/auth/refresh').set(bearer(signin.body.refreshToken)));
    expect(reused.status).toBe(401);

    // Password change from the sign-up session, then sign-out.
    const changed = await track(
      request(t.http)
        .post('/auth/password')
        .set(bearer(signup.body.accessToken))
        .send({ currentPassword: PASSWORD_1, newPassword: PASSWORD_2 }),
    );
    expect(changed.status).toBe(204);
    const wrongChange = await track(
      request(t.http).post('/auth/password').set(bearer(signup.body.accessToken)).send({ currentPassword: WRONG, newPassword: PASSWORD_1 }),
    );
    expect(wrongChange.status).toBe(401);
    const signout = await track(request(t.http).post('/auth/signout').set(bearer(signup.body.accessToken)));
    expect(signout.status).toBe(204);
    // A request with a revoked token after sign-out.
    const after = await track(request(t.http).get('/users/me').set(bearer(signup.body.accessToken)));
    expect(after.status).toBe(401);
  });

  const logText = () => t.logs.map((line) => JSON.stringify(line)).join('\n');
  const events = (name: string) => t.logs.filter((line) => line.event === name);

  it('no password that was sent appears in any log line', () => {
    const text = logText();
    for (const secret of [PASSWORD_1, PASSWORD_2, WRONG, BROKEN_JSON_PASSWORD, BAD_FIELD_PASSWORD]) expect(text).not.toContain(secret);
  });

  it('no access or refresh token that was issued or presented appears, nor any JWT-shaped string', () => {
    const text = logText();
    expect(tokens.length).toBeGreaterThanOrEqual(6);
    for (const token of tokens) {
      expect(text).not.toContain(token);
      // Not even the signature part on its own.
      expect(text).not.toContain(token.split('.')[2]);
    }
    expect(text).not.toMatch(/eyJ[\w-]+\.[\w-]+\.[\w-]+/);
    expect(text.toLowerCase()).not.toContain('bearer ');
  });

  it('no password hash or token hash appears', async () => {
    const text = logText();
    expect(text).not.toContain('$argon2');
    const users = await t.prisma.user.findMany();
    const sessions = await t.prisma.session.findMany();
    expect(sessions.length).toBeGreaterThanOrEqual(2);
    for (const user of users) expect(text).not.toContain(user.passwordHash.split('$').pop()!);
    for (const session of sessions) {
      expect(text).not.toContain(session.tokenHash);
      if (session.previousTokenHash) expect(text).not.toContain(session.previousTokenHash);
    }
    expect(text).not.toMatch(/\b[0-9a-f]{64}\b/);
  });

  it('exactly one request line per request, with method, route, status, durationMs and the reqId sent back in X-Request-Id', () => {
    const lines = t.logs.filter((line) => line.msg === 'request');
    expect(lines).toHaveLength(responses.length);
    for (const line of lines) {
      expect(line).toEqual(
        expect.objectContaining({
          method: expect.any(String),
          route: expect.any(String),
          status: expect.any(Number),
          durationMs: expect.any(Number),
          reqId: expect.any(String),
        }),
      );
    }
    const byId = new Map(lines.map((line) => [line.reqId, line] as [unknown, Line]));
    expect(byId.size).toBe(lines.length);
    for (const { method, response } of responses) {
      const line = byId.get(response.headers['x-request-id']);
      expect(line).toBeDefined();
      expect(line!.status).toBe(response.status);
      expect(line!.method).toBe(method);
    }
    expect(lines.map((line) => `${line.method} ${line.route} ${line.status}`)).toEqual([
      'POST /auth/signup 201',
      'POST /auth/signin 200',
      'POST /auth/signin 401',
      'POST /auth/signin 400',
      'POST /auth/signup 400',
      'POST /auth/refresh 200',
      'POST /auth/refresh 401',
      'POST /auth/password 204',
      'POST /auth/password 401',
      'POST /auth/signout 204',
      'GET /users/me 401',
    ]);
  });

  it('auth events are logged with the user id, and the session id where there is one', () => {
    const signup = events('signup');
    expect(signup).toHaveLength(1);
    expect(signup[0]).toMatchObject({ userId, sessionId: expect.any(String) });

    const signin = events('signin');
    expect(signin).toHaveLength(1);
    expect(signin[0]).toMatchObject({ userId, sessionId: firstSessionId });

    const failed = events('signin.failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ userId });

    const refresh = events('refresh');
    expect(refresh).toHaveLength(1);
    expect(refresh[0]).toMatchObject({ userId, sessionId: firstSessionId });

    const reuse = events('refresh.reuse');
    expect(reuse).toHaveLength(1);
    expect(reuse[0]).toMatchObject({ userId, sessionId: firstSessionId });

    const changed = events('password.changed');
    expect(changed).toHaveLength(1);
    expect(changed[0]).toMatchObject({ userId, sessionId: signup[0].sessionId });

    const signout = events('signout');
    expect(signout).toHaveLength(1);
    expect(signout[0]).toMatchObject({ userId, sessionId: signup[0].sessionId });
  });
});

describe('an unexpected error in the database layer logs no secret', () => {
  const t = useTestApp({ LOG_LEVEL: 'info', TRUST_PROXY: '1' });

  it('a session insert that the database refuses (a client address longer than its column) leaves no password, token or hash in the log', async () => {
    const email = uniqueEmail('dberror');
    const signup = await request(t.http).post('/auth/signup').send({ email, password: PASSWORD_1 });
    expect(signup.status).toBe(201);
    // Whatever the status (hostile-headers.e2e-spec.ts asserts it), the log must stay clean.
    await request(t.http).post('/auth/signin').set('X-Forwarded-For', 'x'.repeat(100)).send({ email, password: PASSWORD_1 });
    const text = t.logs.map((line) => JSON.stringify(line)).join('\n');
    expect(text).not.toContain(PASSWORD_1);
    expect(text).not.toContain('$argon2');
    expect(text).not.toMatch(/eyJ[\w-]+\.[\w-]+\.[\w-]+/);
    expect(text).not.toMatch(/\b[0-9a-f]{64}\b/);
    for (const session of await t.prisma.session.findMany()) expect(text).not.toContain(session.tokenHash);
  });
});
