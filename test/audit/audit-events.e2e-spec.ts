import request from 'supertest';
import { AUDIT_EVENT_TYPES } from '../../src/audit/audit-event-types.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD, bearer, decodeJwt, signIn, signUp, uniqueEmail, type Session } from '../support/api.js';
import { TestSmtpServer, tokenFromMail } from '../support/smtp-server.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { awayFromStepBoundary, codeAt, forgetLastStep, otherCode } from '../mfa/mfa-helpers.js';

const NEW_PASSWORD = 'a-brand-new-passphrase-7';
const WRONG_PASSWORD = 'not-the-right-passphrase-9';
const UA = 'audit-spec/1.0';
/** A request with this user agent makes its transaction fail at commit (see the trigger below). */
const FAIL_AT_COMMIT = 'audit-spec/fail-at-commit';

describe('audit events: one per change, in the transaction of the change', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  let admin: Session;
  /** Every token and password of the run, for the final secrets check. */
  const secrets = new Set<string>([PASSWORD, NEW_PASSWORD, WRONG_PASSWORD, ADMIN_PASSWORD]);
  const seenTypes = new Set<string>();

  const http = () => request(t.http);
  const keep = <T extends { body: unknown }>(response: T): T => {
    const body = response.body as Record<string, unknown> | undefined;
    for (const key of ['accessToken', 'refreshToken']) if (typeof body?.[key] === 'string') secrets.add(body[key] as string);
    return response;
  };
  const newUser = async (prefix = 'audit') => keep({ body: await signUp(t.http, uniqueEmail(prefix)) }).body;
  const login = async (email: string, password = PASSWORD) => keep({ body: await signIn(t.http, email, password) }).body;
  const sidOf = (session: Session) => decodeJwt(session.accessToken).payload.sid as string;
  const eventsOf = (userId: number) => t.prisma.auditEvent.findMany({ where: { userId }, orderBy: { id: 'asc' } });
  const allEvents = () => t.prisma.auditEvent.findMany({ orderBy: { id: 'asc' } });

  /** The user's events of this type: exactly one, with these fields (null where not given). */
  async function expectOneEvent(userId: number | null, type: string, fields: Record<string, unknown>) {
    const events = await t.prisma.auditEvent.findMany({ where: { userId, type } });
    expect(events).toHaveLength(1);
    seenTypes.add(type);
    expect(events[0]).toEqual({
      id: expect.any(BigInt),
      type,
      createdAt: expect.any(Date),
      userId,
      sessionId: null,
      actorId: null,
      ip: '127.0.0.1',
      userAgent: UA,
      detail: {},
      ...fields,
    });
    expect(Date.now() - events[0].createdAt.getTime()).toBeLessThan(60_000);
    return events[0];
  }

  beforeAll(async () => {
    smtp = await new TestSmtpServer().start();
    t = await startTestApp({ ADMIN_EMAIL, ADMIN_PASSWORD, SIGNIN_MAX_FAILURES: '2', JWT_REFRESH_REUSE_GRACE: '0', SMTP_URL: smtp.url });
    // Fault injection: a deferred trigger fails the commit of any transaction that wrote an event of this user agent.
    await t.prisma.$executeRawUnsafe(`
      CREATE FUNCTION audit_spec_fail() RETURNS trigger AS $$
      BEGIN RAISE EXCEPTION 'audit spec: commit refused'; END;
      $$ LANGUAGE plpgsql`);
    await t.prisma.$executeRawUnsafe(`
      CREATE CONSTRAINT TRIGGER audit_spec_fail_at_commit AFTER INSERT ON audit_events
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.user_agent = '${FAIL_AT_COMMIT}')
      EXECUTE FUNCTION audit_spec_fail()`);
    admin = await login(ADMIN_EMAIL, ADMIN_PASSWORD);
  }, 30_000);
  afterAll(async () => {
    await t.close();
    await smtp.stop();
  }, 30_000);

  /** The token of the `count`-th mail to the address (kept for the final secrets check). */
  const mailedToken = async (email: string, kind: 'verify' | 'reset', count: number) => {
    const token = tokenFromMail(await smtp.waitForMail(email, count), kind);
    secrets.add(token);
    return token;
  };

  describe('sign-up and sign-in', () => {
    it('signup: one event with the new user and session', async () => {
      const response = keep(
        await http()
          .post('/auth/signup')
          .set('User-Agent', UA)
          .send({ email: uniqueEmail('signup'), password: PASSWORD })
          .expect(201),
      );
      const user = response.body as Session;
      await expectOneEvent(user.id, 'signup', { sessionId: sidOf(user) });
      expect(await eventsOf(user.id)).toHaveLength(1);
    });

    it('signin: one event with the new session; a plain refresh adds none', async () => {
      const user = await newUser();
      const session = keep(
        await http().post('/auth/signin').set('User-Agent', UA).send({ email: user.email, password: PASSWORD }).expect(200),
      ).body as Session;
      await expectOneEvent(user.id, 'signin', { sessionId: sidOf(session) });
      keep(await http().post('/auth/refresh').set(bearer(session.refreshToken)).expect(200));
      expect((await eventsOf(user.id)).map((event) => event.type)).toEqual(['signup', 'signin']);
    });

    it('signin.failed of a known account: its user, no session', async () => {
      const user = await newUser();
      await http().post('/auth/signin').set('User-Agent', UA).send({ email: user.email, password: WRONG_PASSWORD }).expect(401);
      await expectOneEvent(user.id, 'signin.failed', { detail: { reason: 'wrong_password' } });
    });

    it('signin.failed of an unknown email: no user, and the email nowhere', async () => {
      const email = uniqueEmail('nobody');
      const before = await t.prisma.auditEvent.count({ where: { type: 'signin.failed', userId: null } });
      await http().post('/auth/signin').set('User-Agent', UA).send({ email, password: WRONG_PASSWORD }).expect(401);
      const after = await t.prisma.auditEvent.findMany({ where: { type: 'signin.failed', userId: null }, orderBy: { id: 'asc' } });
      expect(after).toHaveLength(before + 1);
      expect(after.at(-1)).toMatchObject({ userId: null, sessionId: null, userAgent: UA, detail: { reason: 'unknown_email' } });
      expect(JSON.stringify(await allEvents(), (_, value: unknown) => (typeof value === 'bigint' ? String(value) : value))).not.toContain(
        email,
      );
    });

    it('signin.locked: one event per refused attempt, with the user of a known email', async () => {
      const user = await newUser();
      for (let i = 0; i < 2; i += 1)
        await http().post('/auth/signin').set('User-Agent', UA).send({ email: user.email, password: WRONG_PASSWORD }).expect(401);
      await http().post('/auth/signin').set('User-Agent', UA).send({ email: user.email, password: PASSWORD }).expect(429);
      await expectOneEvent(user.id, 'signin.locked', {});
      expect((await eventsOf(user.id)).filter((event) => event.type === 'signin.failed')).toHaveLength(2);
      expect(await t.prisma.session.count({ where: { userId: user.id } })).toBe(1);
    });
  });

  describe('sessions', () => {
    it('refresh.reuse: one event, and the session revoked with it', async () => {
      const user = await newUser();
      const rotated = keep(await http().post('/auth/refresh').set(bearer(user.refreshToken)).expect(200));
      await new Promise((resolve) => setTimeout(resolve, 1100));
      await http().post('/auth/refresh').set('User-Agent', UA).set(bearer(user.refreshToken)).expect(401);
      await expectOneEvent(user.id, 'refresh.reuse', { sessionId: sidOf(user) });
      await http().post('/auth/refresh').set(bearer(rotated.body.refreshToken)).expect(401);
    });

    it('signout: one event for the session', async () => {
      const user = await newUser();
      await http().post('/auth/signout').set('User-Agent', UA).set(bearer(user.accessToken)).expect(204);
      await expectOneEvent(user.id, 'signout', { sessionId: sidOf(user) });
    });

    it('signout.all: one event, with the number of sessions revoked', async () => {
      const user = await newUser();
      await login(user.email);
      await http().post('/auth/signout/all').set('User-Agent', UA).set(bearer(user.accessToken)).expect(204);
      await expectOneEvent(user.id, 'signout.all', { sessionId: sidOf(user), detail: { sessionsRevoked: 2 } });
    });

    it('session.revoked: one event naming the revoked session; none for a 404', async () => {
      const user = await newUser();
      const laptop = await login(user.email);
      await http()
        .delete(`/auth/sessions/${sidOf(laptop)}`)
        .set('User-Agent', UA)
        .set(bearer(user.accessToken))
        .expect(204);
      await http()
        .delete(`/auth/sessions/${sidOf(laptop)}`)
        .set('User-Agent', UA)
        .set(bearer(user.accessToken))
        .expect(404);
      await expectOneEvent(user.id, 'session.revoked', { sessionId: sidOf(laptop) });
    });
  });

  describe('password', () => {
    it('password.changed: one event for the session that stays; a wrong current password is a signin.failed', async () => {
      const user = await newUser();
      await login(user.email);
      await http()
        .post('/auth/password')
        .set('User-Agent', UA)
        .set(bearer(user.accessToken))
        .send({ currentPassword: WRONG_PASSWORD, newPassword: NEW_PASSWORD })
        .expect(401);
      await expectOneEvent(user.id, 'signin.failed', { sessionId: sidOf(user), detail: { reason: 'wrong_current_password' } });
      await http()
        .post('/auth/password')
        .set('User-Agent', UA)
        .set(bearer(user.accessToken))
        .send({ currentPassword: PASSWORD, newPassword: NEW_PASSWORD })
        .expect(204);
      await expectOneEvent(user.id, 'password.changed', { sessionId: sidOf(user), detail: { sessionsRevoked: 1 } });
    });
  });

  describe('email flows', () => {
    it('email.verified: one event when the link verifies the email', async () => {
      const user = await newUser('verify');
      const token = await mailedToken(user.email, 'verify', 1);
      await http().post('/auth/email/verify').set('User-Agent', UA).send({ token }).expect(204);
      await expectOneEvent(user.id, 'email.verified', { detail: { via: 'link' } });
    });

    it('password.reset_requested, password.reset (with the sessions revoked) and email.verified; an unknown email records nothing', async () => {
      const user = await newUser('reset');
      const before = (await allEvents()).length;
      await http()
        .post('/auth/password/forgot')
        .set('User-Agent', UA)
        .send({ email: uniqueEmail('nobody') })
        .expect(202);
      await http().post('/auth/password/forgot').set('User-Agent', UA).send({ email: user.email }).expect(202);
      const token = await mailedToken(user.email, 'reset', 2);
      await expectOneEvent(user.id, 'password.reset_requested', {});
      expect((await allEvents()).length).toBe(before + 1);
      await http().post('/auth/password/reset').set('User-Agent', UA).send({ token, newPassword: NEW_PASSWORD }).expect(204);
      await expectOneEvent(user.id, 'password.reset', { detail: { sessionsRevoked: 1 } });
      await expectOneEvent(user.id, 'email.verified', { detail: { via: 'password_reset' } });
    });
  });

  describe('admin actions: the target user, the acting admin', () => {
    it('role.changed: one event with both roles; setting the same role again records nothing', async () => {
      const user = await newUser();
      await http().patch(`/users/${user.id}/role`).set('User-Agent', UA).set(bearer(admin.accessToken)).send({ role: 'ADMIN' }).expect(200);
      await http().patch(`/users/${user.id}/role`).set('User-Agent', UA).set(bearer(admin.accessToken)).send({ role: 'ADMIN' }).expect(200);
      await expectOneEvent(user.id, 'role.changed', { actorId: admin.id, detail: { from: 'USER', to: 'ADMIN', sessionsRevoked: 1 } });
    });

    it('user.sessions_revoked: one event with the number of sessions', async () => {
      const user = await newUser();
      await login(user.email);
      await http().delete(`/users/${user.id}/sessions`).set('User-Agent', UA).set(bearer(admin.accessToken)).expect(204);
      await expectOneEvent(user.id, 'user.sessions_revoked', { actorId: admin.id, detail: { sessionsRevoked: 2 } });
    });

    it("user.deleted: one event; the user's earlier events stay with their user id", async () => {
      const user = await newUser();
      await http().delete(`/users/${user.id}`).set('User-Agent', UA).set(bearer(admin.accessToken)).expect(204);
      expect(await t.prisma.user.count({ where: { id: user.id } })).toBe(0);
      await expectOneEvent(user.id, 'user.deleted', { actorId: admin.id, detail: { role: 'USER' } });
      expect((await eventsOf(user.id)).map((event) => event.type)).toEqual(['signup', 'user.deleted']);
    });
  });

  describe('second factor (TOTP)', () => {
    /** Enrols the user through the API with this user agent; returns the secret and the recovery codes. */
    async function enrolWithEvents(user: Session) {
      await awayFromStepBoundary();
      const { secret } = (await http().post('/auth/mfa/totp/setup').set(bearer(user.accessToken)).expect(200)).body;
      secrets.add(secret);
      const enabled = await http()
        .post('/auth/mfa/totp/enable')
        .set('User-Agent', UA)
        .set(bearer(user.accessToken))
        .send({ code: codeAt(secret, -1) })
        .expect(200);
      for (const code of enabled.body.recoveryCodes as string[]) secrets.add(code);
      return { secret: secret as string, recoveryCodes: enabled.body.recoveryCodes as string[] };
    }
    const passwordStep = async (email: string) => {
      const { mfaToken } = (await http().post('/auth/signin').send({ email, password: PASSWORD }).expect(200)).body;
      secrets.add(mfaToken);
      return mfaToken as string;
    };

    it('mfa.enabled, signin.mfa_failed, mfa.recovery_used, mfa.recovery_regenerated, mfa.disabled: one each, without codes or secrets', async () => {
      const user = await newUser('mfa');
      const other = await login(user.email);
      const { secret, recoveryCodes } = await enrolWithEvents(user);
      await expectOneEvent(user.id, 'mfa.enabled', { sessionId: sidOf(user), detail: { sessionsRevoked: 1 } });
      expect(await t.prisma.session.count({ where: { id: sidOf(other), revokedAt: { not: null } } })).toBe(1);

      const right = codeAt(secret);
      const wrong = otherCode(right);
      await http()
        .post('/auth/signin/mfa')
        .set('User-Agent', UA)
        .send({ mfaToken: await passwordStep(user.email), code: wrong })
        .expect(401);
      await expectOneEvent(user.id, 'signin.mfa_failed', { detail: { method: 'totp' } });

      const viaRecovery = keep(
        await http()
          .post('/auth/signin/mfa')
          .set('User-Agent', UA)
          .send({ mfaToken: await passwordStep(user.email), recoveryCode: recoveryCodes[0] })
          .expect(200),
      );
      await expectOneEvent(user.id, 'mfa.recovery_used', { detail: { remaining: 9 } });
      const otpSession = viaRecovery.body as Session;
      const signins = await t.prisma.auditEvent.findMany({ where: { userId: user.id, type: 'signin' } });
      expect(signins.map((event) => event.detail)).toEqual([{}, { mfa: true }]);

      const regenerated = await http()
        .post('/auth/mfa/recovery-codes')
        .set('User-Agent', UA)
        .set(bearer(otpSession.accessToken))
        .send({ code: right })
        .expect(200);
      for (const code of regenerated.body.recoveryCodes as string[]) secrets.add(code);
      await expectOneEvent(user.id, 'mfa.recovery_regenerated', { sessionId: sidOf(otpSession) });

      await forgetLastStep(t.prisma, user.id);
      await http()
        .post('/auth/mfa/totp/disable')
        .set('User-Agent', UA)
        .set(bearer(otpSession.accessToken))
        .send({ code: codeAt(secret) })
        .expect(204);
      await expectOneEvent(user.id, 'mfa.disabled', { sessionId: sidOf(otpSession), detail: { method: 'totp', sessionsRevoked: 1 } });
    });

    it("user.mfa_removed: the admin as actor, the user's sessions revoked", async () => {
      const user = await newUser('mfa-removed');
      await enrolWithEvents(user);
      await http().delete(`/users/${user.id}/mfa`).set('User-Agent', UA).set(bearer(admin.accessToken)).expect(204);
      await expectOneEvent(user.id, 'user.mfa_removed', { actorId: admin.id, detail: { sessionsRevoked: 1 } });
    });
  });

  describe('a transaction that fails at commit leaves neither the change nor its event', () => {
    const failing = (pending: request.Test) => pending.set('User-Agent', FAIL_AT_COMMIT);
    const failedEvents = () => t.prisma.auditEvent.count({ where: { userAgent: FAIL_AT_COMMIT } });

    afterEach(async () => {
      expect(await failedEvents()).toBe(0);
    });

    it('signup: no user', async () => {
      const email = uniqueEmail('failed-signup');
      await failing(http().post('/auth/signup').send({ email, password: PASSWORD })).expect(500);
      expect(await t.prisma.user.count({ where: { email } })).toBe(0);
    });

    it('signin: no session', async () => {
      const user = await newUser();
      await failing(http().post('/auth/signin').send({ email: user.email, password: PASSWORD })).expect(500);
      expect(await t.prisma.session.count({ where: { userId: user.id } })).toBe(1);
    });

    it('signout, signout.all, session.revoked, refresh.reuse: the sessions stay live', async () => {
      const user = await newUser();
      const laptop = await login(user.email);
      await failing(http().post('/auth/signout').set(bearer(user.accessToken))).expect(500);
      await failing(http().post('/auth/signout/all').set(bearer(user.accessToken))).expect(500);
      await failing(
        http()
          .delete(`/auth/sessions/${sidOf(laptop)}`)
          .set(bearer(user.accessToken)),
      ).expect(500);
      const rotated = keep(await http().post('/auth/refresh').set(bearer(user.refreshToken)).expect(200));
      await new Promise((resolve) => setTimeout(resolve, 1100));
      await failing(http().post('/auth/refresh').set(bearer(user.refreshToken))).expect(500);
      expect(await t.prisma.session.count({ where: { userId: user.id, revokedAt: null } })).toBe(2);
      await http().post('/auth/refresh').set(bearer(rotated.body.refreshToken)).expect(200);
      await http().get('/users/me').set(bearer(laptop.accessToken)).expect(200);
    });

    it('mfa.enabled: TOTP stays off, the other sessions live', async () => {
      const user = await newUser();
      const other = await login(user.email);
      await awayFromStepBoundary();
      const { secret } = (await http().post('/auth/mfa/totp/setup').set(bearer(user.accessToken)).expect(200)).body;
      secrets.add(secret);
      await failing(
        http()
          .post('/auth/mfa/totp/enable')
          .set(bearer(user.accessToken))
          .send({ code: codeAt(secret) }),
      ).expect(500);
      expect((await t.prisma.user.findUniqueOrThrow({ where: { id: user.id } })).mfaEnabled).toBe(false);
      expect(await t.prisma.recoveryCode.count({ where: { userId: user.id } })).toBe(0);
      await http().get('/users/me').set(bearer(other.accessToken)).expect(200);
    });

    it('password.changed: the old password still works', async () => {
      const user = await newUser();
      await failing(
        http().post('/auth/password').set(bearer(user.accessToken)).send({ currentPassword: PASSWORD, newPassword: NEW_PASSWORD }),
      ).expect(500);
      await login(user.email, PASSWORD);
    });

    it('password.reset: the old password still works, and so does the link', async () => {
      const user = await newUser('failed-reset');
      await http().post('/auth/password/forgot').send({ email: user.email }).expect(202);
      const token = await mailedToken(user.email, 'reset', 2);
      await failing(http().post('/auth/password/reset').send({ token, newPassword: NEW_PASSWORD })).expect(500);
      await login(user.email, PASSWORD);
      await http().post('/auth/password/reset').send({ token, newPassword: NEW_PASSWORD }).expect(204);
    });

    it('role.changed, user.sessions_revoked, user.deleted: the user as before', async () => {
      const user = await newUser();
      await failing(http().patch(`/users/${user.id}/role`).set(bearer(admin.accessToken)).send({ role: 'ADMIN' })).expect(500);
      await failing(http().delete(`/users/${user.id}/sessions`).set(bearer(admin.accessToken))).expect(500);
      await failing(http().delete(`/users/${user.id}`).set(bearer(admin.accessToken))).expect(500);
      const row = await t.prisma.user.findUniqueOrThrow({ where: { id: user.id } });
      expect(row.role).toBe('USER');
      expect(await t.prisma.session.count({ where: { userId: user.id, revokedAt: null } })).toBe(1);
      expect((await eventsOf(user.id)).map((event) => event.type)).toEqual(['signup']);
    });
  });

  it('every type of event was recorded above', () => {
    expect([...seenTypes].sort()).toEqual([...AUDIT_EVENT_TYPES].sort());
  });

  it('no event of the whole run holds a password, token or hash', async () => {
    const users = await t.prisma.user.findMany({ select: { passwordHash: true } });
    const sessions = await t.prisma.session.findMany({ select: { tokenHash: true, previousTokenHash: true, tokenId: true } });
    for (const user of users) secrets.add(user.passwordHash);
    for (const session of sessions)
      for (const value of [session.tokenHash, session.previousTokenHash, session.tokenId]) if (value) secrets.add(value);
    // Tokens also as their parts: a JWT's signature or payload alone is as bad.
    for (const secret of [...secrets]) if (secret.split('.').length === 3) for (const part of secret.split('.')) secrets.add(part);
    const events = await allEvents();
    expect(events.length).toBeGreaterThan(30);
    for (const event of events) {
      const text = JSON.stringify({ ...event, id: String(event.id) });
      for (const secret of secrets) expect({ event: event.id, leaked: text.includes(secret) }).toEqual({ event: event.id, leaked: false });
      expect(text).not.toContain('$argon2');
      for (const key of Object.keys(event.detail as object)) expect(key).not.toMatch(/password|token|hash|secret|code/i);
    }
  });
});
