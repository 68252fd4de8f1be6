import request from 'supertest';
import { ADMIN_EMAIL, ADMIN_PASSWORD, bearer, decodeJwt, PASSWORD, signIn, signUp, uniqueEmail } from '../support/api.js';
import { useTestApp } from '../support/test-app.js';
import { amrOf, awayFromStepBoundary, codeAt, enrol, otherCode, passwordStep } from './mfa-helpers.js';

describe('disable, regenerate recovery codes, admin removal; @RequireMfa()', () => {
  const t = useTestApp({ ADMIN_EMAIL, ADMIN_PASSWORD });

  async function userWithTotp(prefix: string) {
    const email = uniqueEmail(prefix);
    const user = await signUp(t.http, email);
    return { email, id: user.id, pwdSession: user, ...(await enrol(t.http, user)) };
  }
  /** A second session of the user, signed in with the next step's code. */
  async function otherSession(email: string, secret: string) {
    const response = await request(t.http)
      .post('/auth/signin/mfa')
      .send({ mfaToken: await passwordStep(t.http, email), code: codeAt(secret, 1) });
    expect(response.status).toBe(200);
    return response.body as { accessToken: string; refreshToken: string };
  }
  const stillSignedIn = async (accessToken: string) => (await request(t.http).get('/users/me').set(bearer(accessToken))).status === 200;
  const disable = (accessToken: string, body: object) => request(t.http).post('/auth/mfa/totp/disable').set(bearer(accessToken)).send(body);
  const regenerate = (accessToken: string, body: object) =>
    request(t.http).post('/auth/mfa/recovery-codes').set(bearer(accessToken)).send(body);

  describe('@RequireMfa(): disable and regenerate need a second-factor session', () => {
    it('403 with a password-only token (the enrolling session before its refresh), whatever the code', async () => {
      const user = await userWithTotp('require');
      // The enrolment refreshed the session: the first access token is still valid and still says ["pwd"].
      expect(amrOf(user.pwdSession.accessToken)).toEqual(['pwd']);
      await awayFromStepBoundary();
      for (const response of [
        await disable(user.pwdSession.accessToken, { code: codeAt(user.secret) }),
        await regenerate(user.pwdSession.accessToken, { code: codeAt(user.secret) }),
      ]) {
        expect(response.status).toBe(403);
        expect(response.body).toEqual({ statusCode: 403, message: expect.stringContaining('second factor'), error: 'Forbidden' });
      }
      expect((await t.prisma.user.findUniqueOrThrow({ where: { id: user.id } })).mfaEnabled).toBe(true);
    });

    it('a user without a second factor gets the contract 409 (not enabled), not a 403', async () => {
      const plain = await signUp(t.http, uniqueEmail('plain'));
      for (const response of [
        await disable(plain.accessToken, { code: '123456' }),
        await regenerate(plain.accessToken, { code: '123456' }),
      ]) {
        expect(response.status).toBe(409);
        expect(response.body).toMatchObject({ statusCode: 409, error: 'Conflict' });
      }
    });

    it('401 without a token', async () => {
      expect((await request(t.http).post('/auth/mfa/totp/disable').send({ code: '123456' })).status).toBe(401);
      expect((await request(t.http).post('/auth/mfa/recovery-codes').send({ code: '123456' })).status).toBe(401);
    });
  });

  describe('POST /auth/mfa/totp/disable', () => {
    it('400 for a wrong code, an unknown recovery code or a malformed body, changing nothing', async () => {
      const user = await userWithTotp('disable-bad');
      await awayFromStepBoundary();
      const wrong = otherCode(codeAt(user.secret), 7);
      expect((await disable(user.session.accessToken, { code: wrong })).status).toBe(400);
      expect((await disable(user.session.accessToken, { recoveryCode: 'zzzz-zzzz-zzzz-zzzz' })).status).toBe(400);
      for (const body of [{}, { code: '1' }, { code: '123456', recoveryCode: user.recoveryCodes[0] }, { code: '123456', x: 1 }]) {
        expect({ body, status: (await disable(user.session.accessToken, body)).status }).toEqual({ body, status: 400 });
      }
      expect((await t.prisma.user.findUniqueOrThrow({ where: { id: user.id } })).mfaEnabled).toBe(true);
      expect(await t.prisma.totpFactor.count({ where: { userId: user.id } })).toBe(1);
      expect(await t.prisma.recoveryCode.count({ where: { userId: user.id, usedAt: null } })).toBe(10);
    });

    it('204 with a code: factor and recovery codes gone, other sessions revoked, this one kept; then 409; sign-in needs no code', async () => {
      const user = await userWithTotp('disable');
      await awayFromStepBoundary();
      const other = await otherSession(user.email, user.secret);
      const code = codeAt(user.secret, 1);
      // The next step's code was used by the other session's sign-in: a replay is refused.
      expect((await disable(user.session.accessToken, { code })).status).toBe(400);
      await t.prisma.totpFactor.updateMany({ where: { userId: user.id }, data: { lastUsedStep: null } });
      const response = await disable(user.session.accessToken, { code: codeAt(user.secret) });
      expect(response.status).toBe(204);
      expect(response.text).toBe('');
      expect((await t.prisma.user.findUniqueOrThrow({ where: { id: user.id } })).mfaEnabled).toBe(false);
      expect(await t.prisma.totpFactor.count({ where: { userId: user.id } })).toBe(0);
      expect(await t.prisma.recoveryCode.count({ where: { userId: user.id } })).toBe(0);
      expect(await stillSignedIn(other.accessToken)).toBe(false);
      expect((await request(t.http).post('/auth/refresh').set(bearer(other.refreshToken))).status).toBe(401);
      expect(await stillSignedIn(user.session.accessToken)).toBe(true);
      const [event] = await t.prisma.auditEvent.findMany({ where: { userId: user.id, type: 'mfa.disabled' } });
      expect(event.detail).toEqual({ method: 'totp', sessionsRevoked: 1 });
      expect(event.sessionId).toBe(decodeJwt(user.session.accessToken).payload.sid);

      expect((await disable(user.session.accessToken, { code: codeAt(user.secret, 1) })).status).toBe(409);
      const signin = await request(t.http).post('/auth/signin').send({ email: user.email, password: PASSWORD });
      expect(signin.body.accessToken).toEqual(expect.any(String));
      expect(amrOf(signin.body.accessToken)).toEqual(['pwd']);
    });

    it('204 with a recovery code; a pending mfaToken dies with the factor', async () => {
      const user = await userWithTotp('disable-recovery');
      const pending = await passwordStep(t.http, user.email);
      expect((await disable(user.session.accessToken, { recoveryCode: user.recoveryCodes[9] })).status).toBe(204);
      const [event] = await t.prisma.auditEvent.findMany({ where: { userId: user.id, type: 'mfa.disabled' } });
      expect(event.detail).toMatchObject({ method: 'recovery_code' });
      expect((await request(t.http).post('/auth/signin/mfa').send({ mfaToken: pending, recoveryCode: user.recoveryCodes[0] })).status).toBe(
        401,
      );
    });
  });

  describe('POST /auth/mfa/recovery-codes', () => {
    it('400 for a wrong code; 200 with a code: a new set, the old set stops working, the new one works', async () => {
      const user = await userWithTotp('regen');
      await awayFromStepBoundary();
      const wrong = otherCode(codeAt(user.secret), 3);
      expect((await regenerate(user.session.accessToken, { code: wrong })).status).toBe(400);
      expect((await regenerate(user.session.accessToken, { recoveryCode: user.recoveryCodes[0] })).status).toBe(400);
      const response = await regenerate(user.session.accessToken, { code: codeAt(user.secret) });
      expect(response.status).toBe(200);
      const fresh = response.body.recoveryCodes as string[];
      expect(fresh).toHaveLength(10);
      expect(fresh.filter((code) => user.recoveryCodes.includes(code))).toEqual([]);
      expect(await t.prisma.auditEvent.count({ where: { userId: user.id, type: 'mfa.recovery_regenerated' } })).toBe(1);
      // Regenerating does not sign anyone out.
      expect(await stillSignedIn(user.session.accessToken)).toBe(true);
      expect(
        (
          await request(t.http)
            .post('/auth/signin/mfa')
            .send({ mfaToken: await passwordStep(t.http, user.email), recoveryCode: user.recoveryCodes[0] })
        ).status,
      ).toBe(401);
      expect(
        (
          await request(t.http)
            .post('/auth/signin/mfa')
            .send({ mfaToken: await passwordStep(t.http, user.email), recoveryCode: fresh[0] })
        ).status,
      ).toBe(200);
      // The code is used up: replaying it is refused.
      expect((await regenerate(user.session.accessToken, { code: codeAt(user.secret) })).status).toBe(400);
    });

    it('409 when TOTP is not enabled (a second-factor session whose factor was disabled)', async () => {
      const user = await userWithTotp('regen-off');
      expect((await disable(user.session.accessToken, { recoveryCode: user.recoveryCodes[0] })).status).toBe(204);
      expect((await regenerate(user.session.accessToken, { code: '123456' })).status).toBe(409);
    });
  });

  describe('DELETE /users/:id/mfa (ADMIN)', () => {
    const remove = (accessToken: string, id: number | string) => request(t.http).delete(`/users/${id}/mfa`).set(bearer(accessToken));

    it('401 without a token, 403 for a USER (even for themselves), 400 bad id, 404 no such user, 409 no second factor', async () => {
      const user = await userWithTotp('admin-guard');
      const admin = await signIn(t.http, ADMIN_EMAIL, ADMIN_PASSWORD);
      expect((await request(t.http).delete(`/users/${user.id}/mfa`)).status).toBe(401);
      expect((await remove(user.session.accessToken, user.id)).status).toBe(403);
      expect((await remove(admin.accessToken, 'abc')).status).toBe(400);
      expect((await remove(admin.accessToken, 2_000_000_000)).status).toBe(404);
      const plain = await signUp(t.http, uniqueEmail('no-mfa'));
      expect((await remove(admin.accessToken, plain.id)).status).toBe(409);
      expect((await t.prisma.user.findUniqueOrThrow({ where: { id: user.id } })).mfaEnabled).toBe(true);
    });

    it('204: the factor and codes are removed, every session of the user revoked, user.mfa_removed names the admin; sign-in needs no code', async () => {
      const user = await userWithTotp('admin-remove');
      const admin = await signIn(t.http, ADMIN_EMAIL, ADMIN_PASSWORD);
      const response = await remove(admin.accessToken, user.id);
      expect(response.status).toBe(204);
      expect((await t.prisma.user.findUniqueOrThrow({ where: { id: user.id } })).mfaEnabled).toBe(false);
      expect(await t.prisma.totpFactor.count({ where: { userId: user.id } })).toBe(0);
      expect(await t.prisma.recoveryCode.count({ where: { userId: user.id } })).toBe(0);
      expect(await stillSignedIn(user.session.accessToken)).toBe(false);
      const [event] = await t.prisma.auditEvent.findMany({ where: { userId: user.id, type: 'user.mfa_removed' } });
      expect(event).toMatchObject({ actorId: admin.id, detail: { sessionsRevoked: 1 } });
      const signin = await request(t.http).post('/auth/signin').send({ email: user.email, password: PASSWORD });
      expect(signin.body.accessToken).toEqual(expect.any(String));
      expect((await remove(admin.accessToken, user.id)).status).toBe(409);
    });
  });
});
