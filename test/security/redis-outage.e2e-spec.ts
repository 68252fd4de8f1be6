import { Redis } from 'ioredis';
import request from 'supertest';
import { setTimeout as sleep } from 'node:timers/promises';
import { bearer, signUp, uniqueEmail, PASSWORD } from '../support/api.js';
import { privateRedis, type PrivateRedis } from '../support/private-redis.js';
import { describeWhen, redisServerBinary } from '../support/requirements.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const REDIS_SERVER = redisServerBinary();
const describeWithRedisServer = describeWhen(REDIS_SERVER !== undefined, 'the Redis outage tests', 'install Redis (redis-server on PATH)');

async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

const redisWarnings = (t: TestApp) => t.logs.filter((line) => line.level === 40 && /Redis unavailable/.test(String(line.msg)));

describeWithRedisServer('Redis (REDIS_URL) stops and comes back', () => {
  let redis: PrivateRedis;
  let t: TestApp;
  beforeAll(async () => {
    redis = await privateRedis(REDIS_SERVER!);
    t = await startTestApp({ REDIS_URL: redis.url, RATE_LIMIT_PER_MINUTE: '3', TRUST_PROXY: '1', LOG_LEVEL: 'info' });
  });
  afterAll(async () => {
    await t?.close();
    await redis?.stop();
  });

  const health = () => request(t.http).get('/health');
  const signUpFrom = (client: string) =>
    request(t.http).post('/auth/signup').set('X-Forwarded-For', client).send({ email: uniqueEmail(), password: PASSWORD });

  it('with Redis up: /health reports it, and the limits count in Redis', async () => {
    const response = await health();
    expect(response.status).toBe(200);
    expect(response.body.details).toEqual({ database: { status: 'up' }, redis: { status: 'up' } });
    expect((await signUpFrom('192.0.2.100')).status).toBe(201);
  });

  it('with Redis down: no 500 anywhere (sign-up, sign-in, refresh, the lockout), limits in memory, one warning, /health 200 naming Redis down', async () => {
    await redis.stop();
    await until(async () => (await health()).body.details?.redis?.status === 'down', '/health to report Redis down');
    const user = await signUp(t.http);
    const signedIn = await request(t.http).post('/auth/signin').send({ email: user.email, password: PASSWORD });
    expect(signedIn.status).toBe(200);
    expect((await request(t.http).post('/auth/signin').send({ email: user.email, password: 'wrong-password-1' })).status).toBe(401);
    expect((await request(t.http).post('/auth/refresh').set(bearer(signedIn.body.refreshToken))).status).toBe(200);
    // The budget still holds, in this instance's memory: 3 a minute per client.
    const client = '192.0.2.101';
    for (let i = 0; i < 3; i++) expect((await signUpFrom(client)).status).toBe(201);
    expect((await signUpFrom(client)).status).toBe(429);

    const response = await health();
    expect(response.status).toBe(200);
    expect(response.body.status).toBe('ok');
    expect(response.body.details).toEqual({ database: { status: 'up' }, redis: { status: 'down', limits: 'per-instance memory' } });
    expect(redisWarnings(t)).toHaveLength(1);
    expect(t.logs.filter((line) => typeof line.level === 'number' && line.level >= 50)).toEqual([]);
  });

  it('Redis back: the service goes back to it by itself (counts land in Redis again), /health says up', async () => {
    await redis.start();
    await until(async () => (await health()).body.details?.redis?.status === 'up', '/health to report Redis up');
    const client = '192.0.2.102';
    for (let i = 0; i < 3; i++) expect((await signUpFrom(client)).status).toBe(201);
    expect((await signUpFrom(client)).status).toBe(429);
    const inspector = new Redis(redis.url);
    try {
      expect(await inspector.keys('*throttle*')).not.toEqual([]);
    } finally {
      inspector.disconnect();
    }
    expect(t.logs.some((line) => /Redis is back/.test(String(line.msg)))).toBe(true);
    expect(redisWarnings(t)).toHaveLength(1);
  });
});
