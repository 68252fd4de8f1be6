import request from 'supertest';
import { PASSWORD, signUp, uniqueEmail } from '../support/api.js';
import { describeWhen, redisUrlForTests } from '../support/requirements.js';
import { TestSmtpServer, tokenFromMail } from '../support/smtp-server.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const REDIS_URL = await redisUrlForTests();
const describeWithRedis = describeWhen(
  REDIS_URL !== undefined,
  'the lockout reset with Redis',
  'start Redis on 127.0.0.1:6379 or set TEST_REDIS_URL',
);
const MAX_FAILURES = 2;
const NEW_PASSWORD = 'unlocked by a reset 31';
const CLIENTS = ['198.51.100.1', '198.51.100.2'];

/** A password reset lifts the lockout of its email from every client, and no other email's. */
function lockoutResetSpec(store: () => Record<string, string>) {
  let smtp: TestSmtpServer;
  let t: TestApp;
  beforeAll(async () => {
    smtp = await new TestSmtpServer().start();
    t = await startTestApp({ SMTP_URL: smtp.url, SIGNIN_MAX_FAILURES: String(MAX_FAILURES), TRUST_PROXY: '1', ...store() });
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.stop();
  });

  const signin = (email: string, password: string, client: string) =>
    request(t.http).post('/auth/signin').set('X-Forwarded-For', client).send({ email, password });
  const lockOut = async (email: string) => {
    for (const client of CLIENTS) {
      for (let i = 0; i < MAX_FAILURES; i++) expect((await signin(email, 'a wrong password 0', client)).status).toBe(401);
      expect((await signin(email, PASSWORD, client)).status).toBe(429);
    }
  };

  it('both clients locked out of the email can sign in after the reset; another locked email stays locked', async () => {
    const user = await signUp(t.http, uniqueEmail('unlock'));
    const other = await signUp(t.http, uniqueEmail('still-locked'));
    await lockOut(user.email);
    await lockOut(other.email);

    expect((await request(t.http).post('/auth/password/forgot').send({ email: user.email })).status).toBe(202);
    const token = tokenFromMail(await smtp.waitForMail(user.email, 2), 'reset');
    expect((await request(t.http).post('/auth/password/reset').send({ token, newPassword: NEW_PASSWORD })).status).toBe(204);

    for (const client of CLIENTS) {
      expect((await signin(user.email, NEW_PASSWORD, client)).status).toBe(200);
      expect((await signin(other.email, PASSWORD, client)).status).toBe(429);
    }
  });
}

describe('a reset lifts the sign-in lockout (limits in memory)', () => {
  lockoutResetSpec(() => ({}));
});

describeWithRedis('a reset lifts the sign-in lockout (limits in Redis)', () => {
  lockoutResetSpec(() => ({ REDIS_URL: REDIS_URL! }));
});
