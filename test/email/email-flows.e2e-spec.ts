import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { PasswordResetService } from '../../src/auth/password-reset.service.js';
import { OutboxSender } from '../../src/mail/outbox-sender.service.js';
import { bearer, PASSWORD, signIn, signUp, uniqueEmail } from '../support/api.js';
import { TestSmtpServer, tokenFromMail } from '../support/smtp-server.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const APP_URL = 'https://app.example.com/account';
const MAIL_FROM = 'Example Accounts <accounts@example.com>';
const NEW_PASSWORD = 'a brand new passphrase 7';
const INVALID_TOKEN_BODY = '{"message":"invalid or expired link: ask for a new one","error":"Bad Request","statusCode":400}';
const ACCEPTED_BODY = '{"message":"if an account has this email, a link to reset its password is on its way"}';
const MAX_FAILURES = 3;

describe('email verification and password reset, through a real SMTP server', () => {
  let smtp: TestSmtpServer;
  let t: TestApp;

  beforeAll(async () => {
    smtp = await new TestSmtpServer().start();
    t = await startTestApp({ SMTP_URL: smtp.url, MAIL_FROM, APP_URL, SIGNIN_MAX_FAILURES: String(MAX_FAILURES) });
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.stop();
  });

  const forgot = (email: string) => request(t.http).post('/auth/password/forgot').send({ email });
  const reset = (token: string, newPassword = NEW_PASSWORD) => request(t.http).post('/auth/password/reset').send({ token, newPassword });
  const verify = (token: string) => request(t.http).post('/auth/email/verify').send({ token });
  const me = (accessToken: string) => request(t.http).get('/users/me').set(bearer(accessToken));
  const eventTypes = async (userId: number) =>
    (await t.prisma.auditEvent.findMany({ where: { userId }, orderBy: { id: 'asc' } })).map((event) => event.type);
  /** Signs up and waits for the verification mail (so that later mails are counted from 2). */
  const signUpWithMail = async (prefix: string) => {
    const user = await signUp(t.http, uniqueEmail(prefix));
    const mail = await smtp.waitForMail(user.email);
    return { user, verifyToken: tokenFromMail(mail, 'verify') };
  };
  /** Requests a reset and returns the token of the `count`-th mail to the address. */
  const resetToken = async (email: string, count: number) => {
    const response = await forgot(email);
    expect(response.status).toBe(202);
    return tokenFromMail(await smtp.waitForMail(email, count), 'reset');
  };

  describe('verification', () => {
    it('sign-up sends a verification mail (subject, sender, recipient, text and HTML with APP_URL#verify=); its link verifies the email once', async () => {
      const user = await signUp(t.http, uniqueEmail('verify'));
      expect((await me(user.accessToken)).body.emailVerified).toBe(false);

      const mail = await smtp.waitForMail(user.email);
      expect(mail.subject).toBe('Confirm your email address');
      expect(mail.from).toBe('accounts@example.com');
      expect(mail.to).toBe(user.email);
      const token = tokenFromMail(mail, 'verify');
      expect(mail.text).toContain(`${APP_URL}#verify=${token}`);
      expect(Buffer.from(token, 'base64url').length).toBeGreaterThanOrEqual(16); // at least 128 bits

      const stored = await t.prisma.emailToken.findMany({ where: { userId: user.id } });
      expect(stored).toHaveLength(1);
      expect(stored[0].tokenHash).not.toContain(token);
      expect(JSON.stringify(stored, (_key, value: unknown) => (typeof value === 'bigint' ? String(value) : value))).not.toContain(token);

      expect((await verify(token)).status).toBe(204);
      const after = await me(user.accessToken);
      expect(after.body.emailVerified).toBe(true);
      expect(await eventTypes(user.id)).toEqual(['signup', 'email.verified']);

      const reused = await verify(token);
      expect(reused.status).toBe(400);
      expect(reused.text).toBe(INVALID_TOKEN_BODY);
      // The sent mail no longer holds the link in the outbox. The sender marks it sent after the mail server
      // took it (which is when the test saw it): wait for that write, a few seconds at the most.
      const outboxRows = () => t.prisma.mailOutbox.findMany({ where: { recipient: user.email } });
      for (let waited = 0; waited < 5_000 && (await outboxRows()).some((row) => row.sentAt === null); waited += 50) await sleep(50);
      const outbox = await outboxRows();
      expect(outbox.map((row) => [row.sentAt !== null, row.textBody, row.htmlBody])).toEqual([[true, '', '']]);
    });

    it('unknown, expired and used tokens get one 400 body; malformed bodies get 400', async () => {
      const { user, verifyToken } = await signUpWithMail('expired');
      await t.prisma.emailToken.updateMany({ where: { userId: user.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
      const expired = await verify(verifyToken);
      expect([expired.status, expired.text]).toEqual([400, INVALID_TOKEN_BODY]);
      const unknown = await verify('A'.repeat(43));
      expect([unknown.status, unknown.text]).toEqual([400, INVALID_TOKEN_BODY]);
      expect((await me(user.accessToken)).body.emailVerified).toBe(false);

      for (const body of [{}, { token: '' }, { token: 42 }, { token: 'x'.repeat(129) }, { token: 'x', extra: 1 }]) {
        const response = await request(t.http).post('/auth/email/verify').send(body);
        expect({ body, status: response.status }).toEqual({ body, status: 400 });
      }
    });

    it('resend: 204 and a new mail whose link works while the earlier one stops; 429 within a minute; 409 once verified; 401 without a token', async () => {
      const { user, verifyToken: first } = await signUpWithMail('resend');
      const resend = () => request(t.http).post('/auth/email/verify/resend').set(bearer(user.accessToken));

      expect((await resend()).status).toBe(204); // the sign-up mail does not count
      const second = tokenFromMail(await smtp.waitForMail(user.email, 2), 'verify');
      expect(second).not.toBe(first);
      const tooSoon = await resend();
      expect(tooSoon.status).toBe(429);
      expect(Number(tooSoon.headers['retry-after'])).toBeGreaterThan(0);
      expect(Number(tooSoon.headers['retry-after'])).toBeLessThanOrEqual(60);

      expect((await verify(first)).text).toBe(INVALID_TOKEN_BODY);
      expect((await verify(second)).status).toBe(204);
      const verified = await resend();
      expect(verified.status).toBe(409);
      expect((await request(t.http).post('/auth/email/verify/resend')).status).toBe(401);
      expect(smtp.mailsTo(user.email)).toHaveLength(2);
    });
  });

  describe('password reset', () => {
    it('forgot sends a reset mail; the reset replaces the password, revokes every session, verifies the email, and records the events', async () => {
      const { user } = await signUpWithMail('reset');
      const other = await signIn(t.http, user.email);

      const accepted = await forgot(user.email);
      expect(accepted.status).toBe(202);
      expect(accepted.text).toBe(ACCEPTED_BODY);
      const mail = await smtp.waitForMail(user.email, 2);
      expect(mail.subject).toBe('Reset your password');
      const token = tokenFromMail(mail, 'reset');
      expect(mail.text).toContain(`${APP_URL}#reset=${token}`);

      expect((await reset(token)).status).toBe(204);
      for (const session of [user, other]) {
        expect((await me(session.accessToken)).status).toBe(401);
        expect((await request(t.http).post('/auth/refresh').set(bearer(session.refreshToken))).status).toBe(401);
      }
      expect((await request(t.http).post('/auth/signin').send({ email: user.email, password: PASSWORD })).status).toBe(401);
      const signedIn = await signIn(t.http, user.email, NEW_PASSWORD);
      expect((await me(signedIn.accessToken)).body.emailVerified).toBe(true);
      expect(await eventTypes(user.id)).toEqual(expect.arrayContaining(['password.reset_requested', 'password.reset', 'email.verified']));
      const events = await t.prisma.auditEvent.findMany({
        where: { userId: user.id, type: { in: ['password.reset_requested', 'password.reset', 'email.verified'] } },
      });
      expect(JSON.stringify(events.map((event) => event.detail))).not.toContain(token);

      const reused = await reset(token, 'yet another passphrase 9');
      expect([reused.status, reused.text]).toEqual([400, INVALID_TOKEN_BODY]);
    });

    it('an unknown email gets the same 202 body byte for byte, and no mail', async () => {
      const { user } = await signUpWithMail('known');
      const unknownEmail = uniqueEmail('nobody');
      const [known, unknown] = [await forgot(user.email), await forgot(unknownEmail)];
      expect([known.status, unknown.status]).toEqual([202, 202]);
      expect(unknown.text).toBe(known.text);
      expect(unknown.headers['content-length']).toBe(known.headers['content-length']);
      await smtp.waitForMail(user.email, 2);
      await t.app.get(PasswordResetService).processQueue();
      await t.app.get(OutboxSender).deliverDue();
      expect(smtp.mailsTo(unknownEmail)).toEqual([]);
      expect(await t.prisma.passwordResetRequest.count()).toBe(0);
    });

    it('at most one mail per address per minute: a second request sends nothing and the first link still works', async () => {
      const { user } = await signUpWithMail('once');
      const first = await resetToken(user.email, 2);
      expect((await forgot(user.email)).status).toBe(202);
      await t.app.get(PasswordResetService).processQueue();
      await t.app.get(OutboxSender).deliverDue();
      expect(smtp.mailsTo(user.email)).toHaveLength(2);
      expect((await reset(first)).status).toBe(204);
    });

    it('a newer mail, a password change and a reset make the earlier reset tokens unusable', async () => {
      const { user } = await signUpWithMail('newer');
      const older = await resetToken(user.email, 2);
      // A minute later (moved back in the database rather than waited for), a new request sends a new link.
      await t.prisma.emailToken.updateMany({ where: { userId: user.id }, data: { createdAt: new Date(Date.now() - 61_000) } });
      const newer = await resetToken(user.email, 3);
      expect((await reset(older)).text).toBe(INVALID_TOKEN_BODY);

      const session = await signIn(t.http, user.email);
      const change = await request(t.http)
        .post('/auth/password')
        .set(bearer(session.accessToken))
        .send({ currentPassword: PASSWORD, newPassword: 'changed passphrase 11' });
      expect(change.status).toBe(204);
      expect((await reset(newer)).text).toBe(INVALID_TOKEN_BODY);

      await t.prisma.emailToken.updateMany({ where: { userId: user.id }, data: { createdAt: new Date(Date.now() - 61_000) } });
      const third = await resetToken(user.email, 4);
      expect((await reset(third)).status).toBe(204);
      expect((await reset(third, 'one more passphrase 12')).text).toBe(INVALID_TOKEN_BODY);
    });

    it('a password change and the discarding of its reset links are one unit: if the discard fails, nothing changed', async () => {
      const { user } = await signUpWithMail('atomic');
      const link = await resetToken(user.email, 2);
      const session = await signIn(t.http, user.email);
      const other = await signIn(t.http, user.email);
      // Fault injection: deleting this user's email tokens fails as a cancelled statement does (a 503).
      await t.prisma.$executeRawUnsafe(`
        CREATE FUNCTION email_flows_spec_fail() RETURNS trigger AS $$
        BEGIN RAISE EXCEPTION 'email flows spec: delete refused' USING ERRCODE = '57014'; END;
        $$ LANGUAGE plpgsql`);
      await t.prisma.$executeRawUnsafe(`
        CREATE TRIGGER email_flows_spec_fail BEFORE DELETE ON email_tokens
        FOR EACH ROW WHEN (OLD.user_id = ${user.id}) EXECUTE FUNCTION email_flows_spec_fail()`);
      try {
        const change = await request(t.http)
          .post('/auth/password')
          .set(bearer(session.accessToken))
          .send({ currentPassword: PASSWORD, newPassword: 'changed passphrase 13' });
        expect(change.status).toBe(503);
      } finally {
        await t.prisma.$executeRawUnsafe('DROP TRIGGER email_flows_spec_fail ON email_tokens');
        await t.prisma.$executeRawUnsafe('DROP FUNCTION email_flows_spec_fail()');
      }
      // The old password still signs in, the other session still works, no event says otherwise, and the link is live.
      await signIn(t.http, user.email, PASSWORD);
      expect((await me(other.accessToken)).status).toBe(200);
      expect(await eventTypes(user.id)).not.toContain('password.changed');
      expect((await reset(link)).status).toBe(204);
    });

    it('expired and unknown tokens: one 400 body; a new password out of policy is a 400 that leaves the token usable', async () => {
      const { user } = await signUpWithMail('policy');
      const token = await resetToken(user.email, 2);
      const weak = await reset(token, 'short');
      expect(weak.status).toBe(400);
      expect(weak.text).not.toBe(INVALID_TOKEN_BODY);
      expect((await request(t.http).post('/auth/password/reset').send({ token })).status).toBe(400);
      expect((await reset('B'.repeat(43))).text).toBe(INVALID_TOKEN_BODY);

      await t.prisma.emailToken.updateMany({ where: { userId: user.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
      const expired = await reset(token);
      expect([expired.status, expired.text]).toEqual([400, INVALID_TOKEN_BODY]);
      await signIn(t.http, user.email, PASSWORD); // unchanged
    });

    it('two concurrent resets with one token: exactly one 204', async () => {
      const { user } = await signUpWithMail('race');
      const token = await resetToken(user.email, 2);
      const responses = await Promise.all([
        reset(token, 'racing passphrase one 1'),
        reset(token, 'racing passphrase two 2'),
        reset(token, 'racing passphrase three 3'),
      ]);
      expect(responses.map((response) => response.status).sort()).toEqual([204, 400, 400]);
      const winner = ['racing passphrase one 1', 'racing passphrase two 2', 'racing passphrase three 3'][
        responses.findIndex((response) => response.status === 204)
      ];
      await signIn(t.http, user.email, winner);
    });

    it('a reset lifts the sign-in lockout of the email', async () => {
      const { user } = await signUpWithMail('locked');
      for (let i = 0; i < MAX_FAILURES; i++) {
        expect((await request(t.http).post('/auth/signin').send({ email: user.email, password: 'wrong password here' })).status).toBe(401);
      }
      expect((await request(t.http).post('/auth/signin').send({ email: user.email, password: PASSWORD })).status).toBe(429);
      const token = await resetToken(user.email, 2);
      expect((await reset(token)).status).toBe(204);
      await signIn(t.http, user.email, NEW_PASSWORD);
    });

    it('400 on a malformed forgot body; 401 is never asked for (public routes)', async () => {
      for (const body of [{}, { email: 'not an email' }, { email: 42 }, { email: 'a@example.com', extra: true }]) {
        const response = await request(t.http).post('/auth/password/forgot').send(body);
        expect({ body, status: response.status }).toEqual({ body, status: 400 });
      }
      expect(await t.prisma.passwordResetRequest.count()).toBe(0);
    });

    it('hostile bodies on the public email routes: 400, 413 or 415, never a 500', async () => {
      for (const path of ['/auth/password/forgot', '/auth/password/reset', '/auth/email/verify']) {
        const text = await request(t.http).post(path).set('Content-Type', 'text/plain').send('email=a@example.com');
        expect({ path, status: [400, 415].includes(text.status) }).toEqual({ path, status: true });
        const huge = await request(t.http)
          .post(path)
          .send({ email: 'a@example.com', token: 'x'.repeat(17 * 1024) });
        expect({ path, status: huge.status }).toEqual({ path, status: 413 });
        const broken = await request(t.http).post(path).set('Content-Type', 'application/json').send('{"token":');
        expect({ path, status: broken.status }).toEqual({ path, status: 400 });
        const proto = await request(t.http)
          .post(path)
          .set('Content-Type', 'application/json')
          .send('{"__proto__":{"x":1},"token":"t","email":"a@example.com"}');
        expect({ path, status: proto.status }).toEqual({ path, status: 400 });
      }
      const longPassword = await reset('C'.repeat(43), 'p'.repeat(129));
      expect(longPassword.status).toBe(400);
      expect(longPassword.text).not.toBe(INVALID_TOKEN_BODY);
      expect(await t.prisma.passwordResetRequest.count()).toBe(0);
    });
  });
});

describe('forgot-password is under the per-client budget; the bootstrap admin', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      RATE_LIMIT_PER_MINUTE: '2',
      ADMIN_EMAIL: 'boot-admin@example.com',
      ADMIN_PASSWORD: 'bootstrap admin passphrase',
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('the bootstrap admin counts as verified', async () => {
    const stored = await t.prisma.user.findUniqueOrThrow({ where: { email: 'boot-admin@example.com' } });
    expect(stored.emailVerified).toBe(true);
  });

  it('past RATE_LIMIT_PER_MINUTE requests a minute: 429 with Retry-After', async () => {
    const statuses: number[] = [];
    let last: request.Response | undefined;
    for (let i = 0; i < 3; i++) {
      last = await request(t.http)
        .post('/auth/password/forgot')
        .send({ email: uniqueEmail('budget') });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([202, 202, 429]);
    expect(Number(last!.headers['retry-after'])).toBeGreaterThan(0);
  });
});
