// DATABASE_TIMEOUT is the longest wait for a pool connection, for every request: one in a transaction
// (sign-up, sign-in) waits as long as one that is not, and no longer. The pool has one connection here,
// which the test holds for a while.
import request from 'supertest';
import { performance } from 'node:perf_hooks';
import { signUp, uniqueEmail, PASSWORD } from '../support/api.js';
import { useTestApp } from '../support/test-app.js';

const TIMEOUT_MS = 4000;
/** Slack for a busy two-core machine on top of DATABASE_TIMEOUT. */
const MARGIN_MS = 1500;

describe('waiting for a database connection', () => {
  const t = useTestApp({ DATABASE_POOL_SIZE: '1', DATABASE_TIMEOUT: `${TIMEOUT_MS / 1000}s` });

  /** Holds the pool's only connection for `ms`, then gives it back. */
  async function holdTheConnection(ms: number): Promise<void> {
    const held = await t.prisma.pool.connect();
    setTimeout(() => held.release(), ms);
  }

  async function timed(send: () => Promise<request.Response>) {
    const started = performance.now();
    const response = await send();
    return { status: response.status, body: response.body as unknown, ms: performance.now() - started };
  }

  const sendSignUp = () =>
    request(t.http)
      .post('/auth/signup')
      .send({ email: uniqueEmail('wait'), password: PASSWORD });

  it('a transaction waits for a busy pool up to DATABASE_TIMEOUT: sign-up and sign-in succeed after a 3 s wait', async () => {
    const user = await signUp(t.http);

    await holdTheConnection(3000);
    const signedUp = await timed(sendSignUp);
    expect(signedUp.status).toBe(201);
    expect(signedUp.ms).toBeGreaterThanOrEqual(2900);

    await holdTheConnection(3000);
    const signedIn = await timed(() => request(t.http).post('/auth/signin').send({ email: user.email, password: PASSWORD }));
    expect(signedIn.status).toBe(200);
    expect(signedIn.ms).toBeGreaterThanOrEqual(2900);
  });

  it('a transaction that cannot get a connection within DATABASE_TIMEOUT is a 503 after about that long, and writes nothing', async () => {
    const email = uniqueEmail('wait');
    await holdTheConnection(TIMEOUT_MS + 2000);
    const refused = await timed(() => request(t.http).post('/auth/signup').send({ email, password: PASSWORD }));
    expect({ status: refused.status, body: refused.body }).toEqual({
      status: 503,
      body: { statusCode: 503, message: 'database unavailable, try again shortly', error: 'Service Unavailable' },
    });
    expect(refused.ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(refused.ms).toBeLessThan(TIMEOUT_MS + MARGIN_MS);

    // Once the connection is back, the same e-mail address signs up: nothing of the refused one was kept.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect((await request(t.http).post('/auth/signup').send({ email, password: PASSWORD })).status).toBe(201);
  });
});
