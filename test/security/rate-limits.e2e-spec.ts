import request from 'supertest';
import { bearer, signUp, uniqueEmail, PASSWORD } from '../support/api.js';
import { describeWhen, redisUrlForTests } from '../support/requirements.js';
import { startTestApp, useTestApp, useTestApps, type TestApp } from '../support/test-app.js';
import { expectNothingWritten, retryAfterSeconds } from './helpers.js';

const REDIS_URL = await redisUrlForTests();
const describeWithRedis = describeWhen(
  REDIS_URL !== undefined,
  'the Redis-backed rate-limit tests',
  'start Redis on 127.0.0.1:6379 or set TEST_REDIS_URL',
);
const THROTTLED_BODY = { statusCode: 429, message: 'too many requests, try again later' };

const signUpFrom = (t: TestApp, client?: string) => {
  const call = request(t.http).post('/auth/signup');
  if (client) void call.set('X-Forwarded-For', client);
  return call.send({ email: uniqueEmail(), password: PASSWORD });
};

const refreshFrom = (t: TestApp, client: string, token: string) =>
  request(t.http).post('/auth/refresh').set('X-Forwarded-For', client).set(bearer(token));

const expectThrottled = (response: request.Response) => {
  expect(response.status).toBe(429);
  expect(response.body).toMatchObject(THROTTLED_BODY);
  const seconds = retryAfterSeconds(response);
  expect(seconds).toBeGreaterThan(0);
  expect(seconds).toBeLessThanOrEqual(60);
};

describe('RATE_LIMIT_PER_MINUTE=5 in memory, TRUST_PROXY=1', () => {
  const t = useTestApp({ RATE_LIMIT_PER_MINUTE: '5', TRUST_PROXY: '1' });

  it('the 6th sign-up from one client within a minute: 429 with Retry-After, and no user is created', async () => {
    const client = '192.0.2.10';
    for (let i = 0; i < 5; i++) expect((await signUpFrom(t, client)).status).toBe(201);
    const sixth = await expectNothingWritten(t, () => signUpFrom(t, client));
    expectThrottled(sixth);
    // Another client has a budget of its own.
    expect((await signUpFrom(t, '192.0.2.11')).status).toBe(201);
  });

  it('refresh has its own budget: an exhausted sign-up budget does not block refresh', async () => {
    const client = '192.0.2.20';
    const sessions = [];
    for (let i = 0; i < 5; i++) {
      const response = await signUpFrom(t, client);
      expect(response.status).toBe(201);
      sessions.push(response.body);
    }
    expectThrottled(await signUpFrom(t, client));
    const refreshed = await refreshFrom(t, client, sessions[0].refreshToken);
    expect(refreshed.status).toBe(200);
  });

  it('the 6th refresh from one client: 429 with Retry-After, the session is not rotated; sign-up still works', async () => {
    const client = '192.0.2.30';
    const user = await signUp(t.http); // from 127.0.0.1: spends nothing of this client's budget
    let token = user.refreshToken;
    for (let i = 0; i < 5; i++) {
      const response = await refreshFrom(t, client, token);
      expect(response.status).toBe(200);
      token = response.body.refreshToken;
    }
    const sixth = await expectNothingWritten(t, () => refreshFrom(t, client, token));
    expectThrottled(sixth);
    // The throttled request spent nothing: the token is still the current one, from another client.
    expect((await refreshFrom(t, '192.0.2.31', token)).status).toBe(200);
    expect((await signUpFrom(t, client)).status).toBe(201);
  });

  it('invalid refresh tokens spend the budget too (no free probing), and another client is unaffected', async () => {
    const client = '192.0.2.40';
    for (let i = 0; i < 5; i++) expect((await refreshFrom(t, client, 'not.a.token')).status).toBe(401);
    expectThrottled(await refreshFrom(t, client, 'not.a.token'));
    expect((await refreshFrom(t, '192.0.2.41', 'not.a.token')).status).toBe(401);
  });
});

describe('sign-in is under the per-client budget (RATE_LIMIT_PER_MINUTE=5, TRUST_PROXY=1)', () => {
  const t = useTestApp({ RATE_LIMIT_PER_MINUTE: '5', TRUST_PROXY: '1' });

  const signInFrom = (client: string, email: string, password = PASSWORD) =>
    request(t.http).post('/auth/signin').set('X-Forwarded-For', client).send({ email, password });

  it('one client spraying one password over many emails: the 6th sign-in within a minute is a 429 with Retry-After, nothing written', async () => {
    const client = '198.51.100.7';
    for (let i = 0; i < 5; i++) expect((await signInFrom(client, uniqueEmail('sprayed'))).status).toBe(401);
    expectThrottled(await expectNothingWritten(t, () => signInFrom(client, uniqueEmail('sprayed'))));
    // Another client has its own budget, and the lockout of each (email, client) pair was never reached.
    expect((await signInFrom('198.51.100.8', uniqueEmail('sprayed'))).status).toBe(401);
  });

  it('successful sign-ins spend the budget too', async () => {
    const user = await signUp(t.http); // from 127.0.0.1
    const client = '198.51.100.9';
    for (let i = 0; i < 5; i++) expect((await signInFrom(client, user.email)).status).toBe(200);
    expectThrottled(await expectNothingWritten(t, () => signInFrom(client, user.email)));
  });

  it('an IPv6 client is its /64: addresses of one /64 share a budget, another /64 has its own', async () => {
    for (let i = 1; i <= 5; i++) expect((await signUpFrom(t, `2001:db8:aa:1::${i.toString(16)}`)).status).toBe(201);
    expectThrottled(await expectNothingWritten(t, () => signUpFrom(t, '2001:db8:aa:1:ffff:ffff:ffff:ffff')));
    expect((await signUpFrom(t, '2001:db8:aa:2::1')).status).toBe(201);
    // Sign-in has a budget of its own, counted per /64 too.
    for (let i = 1; i <= 5; i++) expect((await signInFrom(`2001:db8:aa:3::${i}`, uniqueEmail())).status).toBe(401);
    expectThrottled(await signInFrom('2001:db8:aa:3:1234::1', uniqueEmail()));
  });
});

describe('RATE_LIMIT_PER_MINUTE with TRUST_PROXY unset: X-Forwarded-For does not buy a new budget', () => {
  const t = useTestApp({ RATE_LIMIT_PER_MINUTE: '2' });

  it('the 3rd sign-up is refused whatever X-Forwarded-For says', async () => {
    expect((await signUpFrom(t, '203.0.113.1')).status).toBe(201);
    expect((await signUpFrom(t, '203.0.113.2')).status).toBe(201);
    expectThrottled(await expectNothingWritten(t, () => signUpFrom(t, '203.0.113.3')));
  });
});

describe('TRUST_PROXY as a list of proxy addresses', () => {
  const apps: TestApp[] = [];
  afterAll(async () => {
    for (const app of apps) await app.close();
  });
  const start = async (trustProxy: string) => {
    const app = await startTestApp({ RATE_LIMIT_PER_MINUTE: '1', TRUST_PROXY: trustProxy });
    apps.push(app);
    return app;
  };

  it('a listed proxy (the test client, 127.0.0.1) is trusted: each X-Forwarded-For address has its own budget', async () => {
    const t = await start('10.9.9.9, 127.0.0.1');
    expect((await signUpFrom(t, '203.0.113.50')).status).toBe(201);
    expect((await signUpFrom(t, '203.0.113.51')).status).toBe(201);
    expectThrottled(await signUpFrom(t, '203.0.113.50'));
  });

  it('a connection from an address not on the list is the client itself, whatever X-Forwarded-For says', async () => {
    const t = await start('10.0.0.0/8');
    expect((await signUpFrom(t, '203.0.113.60')).status).toBe(201);
    expectThrottled(await expectNothingWritten(t, () => signUpFrom(t, '203.0.113.61')));
  });
});

describeWithRedis('Redis-backed limits: two instances on one database share one budget', () => {
  const env = { REDIS_URL, RATE_LIMIT_PER_MINUTE: '4', SIGNIN_MAX_FAILURES: '3', SIGNIN_WINDOW: '1m' };
  const [a, b] = useTestApps(env, env);

  it('2 sign-ups on A and 2 on B, then the next on either: 429', async () => {
    expect((await signUpFrom(a)).status).toBe(201);
    expect((await signUpFrom(a)).status).toBe(201);
    expect((await signUpFrom(b)).status).toBe(201);
    expect((await signUpFrom(b)).status).toBe(201);
    expectThrottled(await expectNothingWritten(a, () => signUpFrom(a)));
    expectThrottled(await expectNothingWritten(b, () => signUpFrom(b)));
    expect(await a.prisma.user.count()).toBe(4);
  });

  it('the sign-in lockout is shared: failures on A and B lock the pair on both', async () => {
    const email = uniqueEmail();
    // Sign-up budget is spent; the user is created directly through a sign-up on neither instance.
    const hash = (await a.prisma.user.findFirstOrThrow()).passwordHash; // PASSWORD's hash (every test user has it)
    await a.prisma.user.create({ data: { email, passwordHash: hash } });

    const signIn = (t: TestApp, password: string) => request(t.http).post('/auth/signin').send({ email, password });
    expect((await signIn(a, 'wrong-password-1')).status).toBe(401);
    expect((await signIn(b, 'wrong-password-2')).status).toBe(401);
    expect((await signIn(a, 'wrong-password-3')).status).toBe(401);
    for (const t of [b, a]) {
      const locked = await signIn(t, PASSWORD);
      expect(locked.status).toBe(429);
      const seconds = retryAfterSeconds(locked);
      expect(seconds).toBeGreaterThan(0);
      expect(seconds).toBeLessThanOrEqual(60);
    }
  });
});

describe('control: two in-memory instances on one database do not share budgets', () => {
  const [a, b] = useTestApps({ RATE_LIMIT_PER_MINUTE: '2' }, { RATE_LIMIT_PER_MINUTE: '2' });

  it('each instance counts its own (which is why the Redis storage matters)', async () => {
    expect((await signUpFrom(a)).status).toBe(201);
    expect((await signUpFrom(a)).status).toBe(201);
    expectThrottled(await signUpFrom(a));
    expect((await signUpFrom(b)).status).toBe(201);
  });
});
