import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import request from 'supertest';
import { PASSWORD, bearer, signUp, uniqueEmail, type Session } from './support/api.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/** Longer than the service's own database timeouts (5 s), well within the test timeout. */
const ANSWER_WITHIN_MS = 9000;

/** Terminus's body for a healthy service (an indicator may add details such as a response time). */
function expectUp(body: Record<string, unknown>): void {
  expect(body).toMatchObject({
    status: 'ok',
    info: { database: { status: 'up' } },
    details: { database: { status: 'up' } },
  });
  expect(body.error).toEqual({});
}

/** Runs a statement on the server's admin database (not the app's). */
async function admin(sql: string, values: unknown[] = []): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
  await client.connect();
  try {
    return (await client.query(sql, values)).rows;
  } finally {
    await client.end();
  }
}

/** The response, or a failure if none came within `ms` (a hang is a failure, not a timeout of the test). */
async function answered(call: request.Test, ms = ANSWER_WITHIN_MS): Promise<request.Response> {
  let timer: NodeJS.Timeout | undefined;
  const started = Date.now();
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    const response = await Promise.race([call.then((r) => r), timeout]);
    expect(Date.now() - started).toBeLessThan(ms);
    return response;
  } finally {
    clearTimeout(timer);
  }
}

describe('GET /health', () => {
  let t: TestApp;
  let user: Session;
  let databaseDown = false;
  let closed = false;

  const takeDatabaseDown = async () => {
    databaseDown = true;
    await admin(`ALTER DATABASE "${t.database.name}" WITH ALLOW_CONNECTIONS false`);
    await admin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${t.database.name}' AND pid <> pg_backend_pid()`);
  };
  const bringDatabaseBack = async () => {
    await admin(`ALTER DATABASE "${t.database.name}" WITH ALLOW_CONNECTIONS true`);
    databaseDown = false;
  };

  beforeAll(async () => {
    t = await startTestApp();
    user = await signUp(t.http, uniqueEmail('health'));
  }, 30_000);
  afterAll(async () => {
    // The database must accept connections again for the app to close and the database to be dropped.
    if (databaseDown) await bringDatabaseBack();
    if (closed) await t.database.drop();
    else await t.close();
  }, 30_000);

  it('200 with the terminus body while the database answers; no token needed', async () => {
    const response = await request(t.http).get('/health');
    expect(response.status).toBe(200);
    expectUp(response.body);
  }, 30_000);

  describe('while the database is unreachable', () => {
    beforeAll(async () => {
      await request(t.http).get('/users/me').set(bearer(user.accessToken)).expect(200);
      await takeDatabaseDown();
    }, 30_000);
    afterAll(async () => {
      await bringDatabaseBack();
    }, 30_000);

    it('GET /health answers 503 promptly, with the terminus body', async () => {
      const health = await answered(request(t.http).get('/health'));
      expect(health.status).toBe(503);
      // The failing component is named; its error text (driver detail, addresses) is not shown.
      expect(health.body).toEqual({
        status: 'error',
        info: {},
        error: { database: { status: 'down' } },
        details: { database: { status: 'down' } },
      });
      // Still down on a second attempt: not a one-off.
      expect((await answered(request(t.http).get('/health'))).status).toBe(503);
    }, 30_000);

    it('GET /users/me with a valid token answers 503 promptly (not 500, not a hang)', async () => {
      const me = await answered(request(t.http).get('/users/me').set(bearer(user.accessToken)));
      expect(me.status).toBe(503);
      expect(me.body).toEqual({ statusCode: 503, message: expect.any(String), error: 'Service Unavailable' });
      expect(me.text).not.toMatch(/not currently accepting|55000|prisma|at .*\.(ts|js):\d+/i);
    }, 30_000);

    it('POST /auth/signin answers 503 promptly (not 500, not a 401 that would count as a failure)', async () => {
      const signin = await answered(request(t.http).post('/auth/signin').send({ email: user.email, password: PASSWORD }));
      expect(signin.status).toBe(503);
      expect(signin.body).toMatchObject({ statusCode: 503 });
    }, 30_000);
  });

  it('recovers without a restart once the database is back: /health 200, /users/me 200 with the same token', async () => {
    expect(databaseDown).toBe(false);
    const recovered = await answered(request(t.http).get('/health'));
    expect(recovered.status).toBe(200);
    expectUp(recovered.body);
    const me = await answered(request(t.http).get('/users/me').set(bearer(user.accessToken)));
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ id: user.id, email: user.email });
    expect((await answered(request(t.http).post('/auth/signin').send({ email: user.email, password: PASSWORD }))).status).toBe(200);
  }, 30_000);

  it('closing right after an outage leaves no connection to the database behind (nothing reconnects after close)', async () => {
    await takeDatabaseDown();
    // Long enough for the service to notice and to retry at least once while the database is down.
    await sleep(1200);
    await bringDatabaseBack();
    await t.app.close();
    closed = true;
    // Anything the closed app still had scheduled would have run by now.
    await sleep(1500);
    const connections = await admin('SELECT pid, application_name, state, query FROM pg_stat_activity WHERE datname = $1', [
      t.database.name,
    ]);
    expect(connections).toEqual([]);
  }, 30_000);
});
