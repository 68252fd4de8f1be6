import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { bearer, signUp, uniqueEmail, PASSWORD } from '../support/api.js';
import { useTestApp } from '../support/test-app.js';
import { expectNothingWritten, retryAfterSeconds } from './helpers.js';

const WRONG = 'wrong-password-0';
const WINDOW_SECONDS = 4;
const LOCKED_BODY = { statusCode: 429, message: 'too many failed sign-in attempts, try again later', error: 'Too Many Requests' };

/** A distinct client address per test, so that tests do not share lockouts. */
let nextClient = 1;
const newClient = () => `198.51.100.${nextClient++}`;

describe('sign-in lockout per (email, client), TRUST_PROXY=1', () => {
  const t = useTestApp({ SIGNIN_MAX_FAILURES: '3', SIGNIN_WINDOW: `${WINDOW_SECONDS}s`, TRUST_PROXY: '1' });

  const signInFrom = (client: string, email: string, password: string) =>
    request(t.http).post('/auth/signin').set('X-Forwarded-For', client).send({ email, password });

  const failTimes = async (client: string, email: string, times: number) => {
    for (let i = 0; i < times; i++) expect((await signInFrom(client, email, WRONG)).status).toBe(401);
  };

  it('after 3 failures: 429 with Retry-After (1..window s), even for the right password; nothing is written', async () => {
    const user = await signUp(t.http);
    const client = newClient();
    await failTimes(client, user.email, 3);

    const locked = await expectNothingWritten(t, () => signInFrom(client, user.email, PASSWORD));
    expect(locked.status).toBe(429);
    expect(locked.body).toEqual(LOCKED_BODY);
    const seconds = retryAfterSeconds(locked);
    expect(seconds).toBeGreaterThan(0);
    expect(seconds).toBeLessThanOrEqual(WINDOW_SECONDS);
    // Still locked for a wrong password too (a locked pair tells nothing about the password).
    expect((await signInFrom(client, user.email, WRONG)).status).toBe(429);
  });

  it('another email from the same client, and the same email from another client, are unaffected', async () => {
    const victim = await signUp(t.http);
    const other = await signUp(t.http);
    const attacker = newClient();
    await failTimes(attacker, victim.email, 3);
    expect((await signInFrom(attacker, victim.email, PASSWORD)).status).toBe(429);

    expect((await signInFrom(attacker, other.email, PASSWORD)).status).toBe(200);
    expect((await signInFrom(newClient(), victim.email, PASSWORD)).status).toBe(200);
  });

  it('an IPv6 client is its /64: failures from addresses of one /64 lock the pair for the whole /64, not for another /64', async () => {
    const user = await signUp(t.http);
    await signInFrom('2001:db8:bb:1::1', user.email, WRONG);
    await signInFrom('2001:db8:bb:1::2', user.email, WRONG);
    await signInFrom('2001:db8:bb:1:abcd::3', user.email, WRONG);
    expect((await signInFrom('2001:db8:bb:1:ffff::9', user.email, PASSWORD)).status).toBe(429);
    expect((await signInFrom('2001:db8:bb:2::1', user.email, PASSWORD)).status).toBe(200);
  });

  it('a success in between does not reset the count: fail, fail, succeed, fail -> locked', async () => {
    const user = await signUp(t.http);
    const client = newClient();
    await failTimes(client, user.email, 2);
    expect((await signInFrom(client, user.email, PASSWORD)).status).toBe(200);
    await failTimes(client, user.email, 1);
    const locked = await signInFrom(client, user.email, PASSWORD);
    expect(locked.status).toBe(429);
    expect(locked.headers['retry-after']).toBeDefined();
  });

  it('an attacker cannot reset the count by signing into his own account from the same client', async () => {
    const victim = await signUp(t.http);
    const own = await signUp(t.http);
    const client = newClient();
    await failTimes(client, victim.email, 2);
    expect((await signInFrom(client, own.email, PASSWORD)).status).toBe(200);
    await failTimes(client, victim.email, 1);
    expect((await signInFrom(client, victim.email, PASSWORD)).status).toBe(429);
  });

  it('spellings of one email (case, surrounding spaces) count as the same email', async () => {
    const email = uniqueEmail('victim');
    await signUp(t.http, email);
    const client = newClient();
    await failTimes(client, email.toUpperCase(), 1);
    await failTimes(client, `  ${email}  `, 1);
    await failTimes(
      client,
      email.replace(/^./, (c) => c.toUpperCase()),
      1,
    );
    expect((await signInFrom(client, email, PASSWORD)).status).toBe(429);
  });

  it('an unknown email locks the same way, with the same 429 body (the lockout does not reveal which emails exist)', async () => {
    const client = newClient();
    const unknown = uniqueEmail('nobody');
    await failTimes(client, unknown, 3);
    const locked = await signInFrom(client, unknown, PASSWORD);
    expect(locked.status).toBe(429);
    expect(locked.body).toEqual(LOCKED_BODY);
    expect(retryAfterSeconds(locked)).toBeGreaterThan(0);
  });

  it('after the window has passed, sign-in works again', async () => {
    const user = await signUp(t.http);
    const client = newClient();
    await failTimes(client, user.email, 3);
    const locked = await signInFrom(client, user.email, PASSWORD);
    expect(locked.status).toBe(429);
    const seconds = retryAfterSeconds(locked);
    expect(seconds).toBeLessThanOrEqual(WINDOW_SECONDS);

    await sleep(seconds * 1000 + 250);
    const again = await signInFrom(client, user.email, PASSWORD);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(user.id);
  });

  it('a wrong current password on POST /auth/password counts as a failed sign-in of that email; 429 once locked', async () => {
    const user = await signUp(t.http);
    const client = newClient();
    const change = (currentPassword: string) =>
      request(t.http)
        .post('/auth/password')
        .set('X-Forwarded-For', client)
        .set(bearer(user.accessToken))
        .send({ currentPassword, newPassword: 'a-brand-new-password-7' });

    for (let i = 0; i < 3; i++) expect((await change(WRONG)).status).toBe(401);
    const locked = await expectNothingWritten(t, () => change(PASSWORD));
    expect(locked.status).toBe(429);
    expect(locked.body).toEqual(LOCKED_BODY);
    const seconds = retryAfterSeconds(locked);
    expect(seconds).toBeGreaterThan(0);
    expect(seconds).toBeLessThanOrEqual(WINDOW_SECONDS);

    // The same (email, client) pair is locked for sign-in too; the password was not changed.
    expect((await signInFrom(client, user.email, PASSWORD)).status).toBe(429);
    expect((await signInFrom(newClient(), user.email, PASSWORD)).status).toBe(200);
  });

  it('failed sign-ins lock the password change of that account from the same client', async () => {
    const user = await signUp(t.http);
    const client = newClient();
    await failTimes(client, user.email, 3);
    const response = await expectNothingWritten(t, () =>
      request(t.http)
        .post('/auth/password')
        .set('X-Forwarded-For', client)
        .set(bearer(user.accessToken))
        .send({ currentPassword: PASSWORD, newPassword: 'a-brand-new-password-8' }),
    );
    expect(response.status).toBe(429);
    expect(retryAfterSeconds(response)).toBeGreaterThan(0);
  });
});

describe('sign-in lockout with TRUST_PROXY unset (window 1m)', () => {
  const t = useTestApp({ SIGNIN_MAX_FAILURES: '3', SIGNIN_WINDOW: '1m' });

  it('X-Forwarded-For is ignored: varying it does not escape the lockout', async () => {
    const user = await signUp(t.http);
    for (const forwarded of ['203.0.113.1', '203.0.113.2', '203.0.113.3']) {
      const response = await request(t.http)
        .post('/auth/signin')
        .set('X-Forwarded-For', forwarded)
        .send({ email: user.email, password: WRONG });
      expect(response.status).toBe(401);
    }
    const locked = await request(t.http)
      .post('/auth/signin')
      .set('X-Forwarded-For', '203.0.113.4')
      .send({ email: user.email, password: PASSWORD });
    expect(locked.status).toBe(429);
    const seconds = retryAfterSeconds(locked);
    expect(seconds).toBeGreaterThan(0);
    expect(seconds).toBeLessThanOrEqual(60);
    const bare = await request(t.http).post('/auth/signin').send({ email: user.email, password: PASSWORD });
    expect(bare.status).toBe(429);
    // A session opened with the header is recorded with the connection's address, not the header's.
    const other = await request(t.http)
      .post('/auth/signup')
      .set('X-Forwarded-For', '203.0.113.9')
      .send({ email: uniqueEmail(), password: PASSWORD });
    expect(other.status).toBe(201);
    const sessions = await t.prisma.session.findMany({ where: { userId: other.body.id } });
    expect(sessions).toHaveLength(1);
    expect(sessions[0].ip).toMatch(/^(::ffff:)?127\.0\.0\.1$|^::1$/);
  });

  // A window of a minute here: the burst must not outlast the window on a slow machine.
  it('concurrent guesses do not get past the limit: of 10 parallel wrong guesses at most 3 are checked (401), the rest get 429', async () => {
    const user = await signUp(t.http);
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => request(t.http).post('/auth/signin').send({ email: user.email, password: WRONG })),
    );
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(3);
    expect(statuses.filter((s) => s !== 401 && s !== 429)).toEqual([]);
    expect((await request(t.http).post('/auth/signin').send({ email: user.email, password: PASSWORD })).status).toBe(429);
  });
});
