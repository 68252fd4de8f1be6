import request from 'supertest';
import { bearer, PASSWORD, signUp, uniqueEmail } from '../support/api.js';
import { useTestApp } from '../support/test-app.js';
import { amrOf, awayFromStepBoundary, codeAt, enrol, forgetLastStep, otherCode, passwordStep } from './mfa-helpers.js';

const INVALID = { statusCode: 401, message: 'invalid code or mfaToken', error: 'Unauthorized' };

describe('sign-in with TOTP: POST /auth/signin (mfaRequired) then POST /auth/signin/mfa', () => {
  const t = useTestApp();

  /** A user with TOTP enabled, signed in once (the enrolling session). */
  async function userWithTotp(prefix: string) {
    const email = uniqueEmail(prefix);
    const user = await signUp(t.http, email);
    return { email, id: user.id, ...(await enrol(t.http, user)) };
  }
  const sessionCount = (userId: number) => t.prisma.session.count({ where: { userId } });
  const mfa = (body: object) => request(t.http).post('/auth/signin/mfa').send(body);

  it('the password step answers mfaRequired with a 5-minute mfaToken and opens no session; a wrong password is the usual 401', async () => {
    const user = await userWithTotp('step1');
    const before = await sessionCount(user.id);
    const response = await request(t.http).post('/auth/signin').send({ email: user.email, password: PASSWORD });
    expect(response.status).toBe(200);
    expect(Object.keys(response.body).sort()).toEqual(['expiresIn', 'mfaRequired', 'mfaToken']);
    expect(response.body).toMatchObject({ mfaRequired: true, expiresIn: 300 });
    expect(response.body.mfaToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(response.text).not.toMatch(/accessToken|refreshToken/);
    expect(await sessionCount(user.id)).toBe(before);
    const challenge = await t.prisma.mfaChallenge.findFirstOrThrow({ where: { userId: user.id } });
    expect(challenge.tokenHash).not.toBe(response.body.mfaToken); // stored as a hash
    expect(challenge.expiresAt.getTime() - Date.now()).toBeGreaterThan(290_000);
    expect(challenge.expiresAt.getTime() - Date.now()).toBeLessThanOrEqual(300_000);

    const wrong = await request(t.http).post('/auth/signin').send({ email: user.email, password: 'wrong-password-1' });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ statusCode: 401, message: 'invalid email or password', error: 'Unauthorized' });
  });

  it('a code opens the session with amr ["pwd", "otp"]; refreshes keep it; the mfaToken is then used up', async () => {
    const user = await userWithTotp('code');
    const mfaToken = await passwordStep(t.http, user.email);
    await awayFromStepBoundary();
    const response = await mfa({ mfaToken, code: codeAt(user.secret) });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ id: user.id, email: user.email, role: 'USER', tokenType: 'Bearer' });
    expect(amrOf(response.body.accessToken)).toEqual(['pwd', 'otp']);
    expect((await request(t.http).get('/users/me').set(bearer(response.body.accessToken))).status).toBe(200);
    const refreshed = await request(t.http).post('/auth/refresh').set(bearer(response.body.refreshToken));
    expect(amrOf(refreshed.body.accessToken)).toEqual(['pwd', 'otp']);
    const [signin] = await t.prisma.auditEvent.findMany({ where: { userId: user.id, type: 'signin' } });
    expect(signin.detail).toEqual({ mfa: true });
    // Used: even a fresh right code is refused with it.
    const reused = await mfa({ mfaToken, code: codeAt(user.secret, 1) });
    expect(reused.status).toBe(401);
    expect(reused.body).toEqual(INVALID);
  });

  it('a code is accepted at most once: replayed within its step, on another mfaToken, it is refused', async () => {
    const user = await userWithTotp('replay');
    await awayFromStepBoundary();
    const code = codeAt(user.secret);
    expect((await mfa({ mfaToken: await passwordStep(t.http, user.email), code })).status).toBe(200);
    const second = await mfa({ mfaToken: await passwordStep(t.http, user.email), code });
    expect(second.status).toBe(401);
    expect(second.body).toEqual(INVALID);
    // An older step than the last one used is refused too; a later one is fine.
    expect((await mfa({ mfaToken: await passwordStep(t.http, user.email), code: codeAt(user.secret, -1) })).status).toBe(401);
    expect((await mfa({ mfaToken: await passwordStep(t.http, user.email), code: codeAt(user.secret, 1) })).status).toBe(200);
  });

  it('a code two steps away (more than one step of skew) is refused', async () => {
    const user = await userWithTotp('skew');
    await forgetLastStep(t.prisma, user.id);
    await awayFromStepBoundary();
    for (const offset of [-2, 2]) {
      const response = await mfa({ mfaToken: await passwordStep(t.http, user.email), code: codeAt(user.secret, offset) });
      expect({ offset, status: response.status }).toEqual({ offset, status: 401 });
    }
  });

  it('one code sent at once on five mfaTokens: exactly one sign-in succeeds', async () => {
    const user = await userWithTotp('race-code');
    await forgetLastStep(t.prisma, user.id);
    const tokens = await Promise.all(Array.from({ length: 5 }, () => passwordStep(t.http, user.email)));
    const before = await sessionCount(user.id);
    await awayFromStepBoundary();
    const code = codeAt(user.secret);
    const statuses = (await Promise.all(tokens.map((mfaToken) => mfa({ mfaToken, code })))).map((r) => r.status);
    expect(statuses.sort()).toEqual([200, 401, 401, 401, 401]);
    expect(await sessionCount(user.id)).toBe(before + 1);
  });

  it('a recovery code signs in once (amr ["pwd", "otp"], mfa.recovery_used), however it is typed; a second use is refused', async () => {
    const user = await userWithTotp('recovery');
    const [code] = user.recoveryCodes;
    const response = await mfa({ mfaToken: await passwordStep(t.http, user.email), recoveryCode: ` ${code.toUpperCase()} ` });
    expect(response.status).toBe(200);
    expect(amrOf(response.body.accessToken)).toEqual(['pwd', 'otp']);
    const events = await t.prisma.auditEvent.findMany({ where: { userId: user.id, type: 'mfa.recovery_used' } });
    expect(events).toHaveLength(1);
    expect(events[0].detail).toEqual({ remaining: 9 });
    expect(JSON.stringify(events[0].detail)).not.toContain(code);
    const again = await mfa({ mfaToken: await passwordStep(t.http, user.email), recoveryCode: code });
    expect(again.status).toBe(401);
    expect(again.body).toEqual(INVALID);
    expect((await mfa({ mfaToken: await passwordStep(t.http, user.email), recoveryCode: user.recoveryCodes[1] })).status).toBe(200);
  });

  it('one recovery code sent at once on five mfaTokens: exactly one sign-in succeeds', async () => {
    const user = await userWithTotp('race-recovery');
    const tokens = await Promise.all(Array.from({ length: 5 }, () => passwordStep(t.http, user.email)));
    const recoveryCode = user.recoveryCodes[0];
    const statuses = (await Promise.all(tokens.map((mfaToken) => mfa({ mfaToken, recoveryCode })))).map((r) => r.status);
    expect(statuses.sort()).toEqual([200, 401, 401, 401, 401]);
    expect(await t.prisma.recoveryCode.count({ where: { userId: user.id, usedAt: { not: null } } })).toBe(1);
  });

  it('the mfaToken dies after 5 wrong codes: the right code is then refused; each wrong code is signin.mfa_failed', async () => {
    const user = await userWithTotp('five');
    await forgetLastStep(t.prisma, user.id);
    const mfaToken = await passwordStep(t.http, user.email);
    await awayFromStepBoundary();
    const right = codeAt(user.secret);
    const wrong = otherCode(right, 500_000);
    for (let i = 0; i < 5; i++) {
      const response = await mfa({ mfaToken, code: wrong });
      expect(response.status).toBe(401);
      expect(response.body).toEqual(INVALID);
    }
    const dead = await mfa({ mfaToken, code: right });
    expect(dead.status).toBe(401);
    expect(dead.body).toEqual(INVALID);
    const failed = await t.prisma.auditEvent.findMany({ where: { userId: user.id, type: 'signin.mfa_failed' } });
    expect(failed).toHaveLength(5);
    for (const event of failed) expect(JSON.stringify(event.detail)).not.toMatch(new RegExp(`${wrong}|${right}`));
    // A new password step gives a new token, with which the right code works.
    expect((await mfa({ mfaToken: await passwordStep(t.http, user.email), code: right })).status).toBe(200);
  });

  it('eight wrong codes at once on one mfaToken: exactly 5 are checked (and recorded), the token is dead', async () => {
    const user = await userWithTotp('burst');
    const mfaToken = await passwordStep(t.http, user.email);
    const statuses = await Promise.all(
      Array.from({ length: 8 }, () => mfa({ mfaToken, recoveryCode: 'aaaa-bbbb-cccc-dddd' }).then((r) => r.status)),
    );
    expect(statuses).toEqual(Array(8).fill(401));
    expect((await t.prisma.mfaChallenge.findFirstOrThrow({ where: { userId: user.id } })).attempts).toBe(5);
    expect(await t.prisma.auditEvent.count({ where: { userId: user.id, type: 'signin.mfa_failed' } })).toBe(5);
    expect((await mfa({ mfaToken, recoveryCode: user.recoveryCodes[0] })).status).toBe(401);
  });

  it('four wrong codes leave the mfaToken alive; the fifth try may still be the right code', async () => {
    const user = await userWithTotp('four');
    const mfaToken = await passwordStep(t.http, user.email);
    for (let i = 0; i < 4; i++) expect((await mfa({ mfaToken, recoveryCode: 'aaaa-bbbb-cccc-dddd' })).status).toBe(401);
    expect((await mfa({ mfaToken, recoveryCode: user.recoveryCodes[3] })).status).toBe(200);
  });

  it('an expired mfaToken (5 minutes) or an unknown one is refused with the same body', async () => {
    const user = await userWithTotp('expired');
    const mfaToken = await passwordStep(t.http, user.email);
    await t.prisma.mfaChallenge.updateMany({ where: { userId: user.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    await awayFromStepBoundary();
    const expired = await mfa({ mfaToken, code: codeAt(user.secret, 1) });
    expect(expired.status).toBe(401);
    expect(expired.body).toEqual(INVALID);
    const unknown = await mfa({ mfaToken: 'x'.repeat(43), code: '123456' });
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual(INVALID);
  });

  it('a new password does not bypass the second factor: sign-in still asks for a code', async () => {
    const user = await userWithTotp('new-password');
    const newPassword = 'a-fresh-passphrase-91';
    await request(t.http)
      .post('/auth/password')
      .set(bearer(user.session.accessToken))
      .send({ currentPassword: PASSWORD, newPassword })
      .expect(204);
    const response = await request(t.http).post('/auth/signin').send({ email: user.email, password: newPassword });
    expect(response.status).toBe(200);
    expect(response.body.mfaRequired).toBe(true);
    expect(response.body.accessToken).toBeUndefined();
  });

  it('400 for a malformed body, with nothing used up', async () => {
    const user = await userWithTotp('malformed');
    const mfaToken = await passwordStep(t.http, user.email);
    const bodies = [
      {},
      { mfaToken },
      { code: '123456' },
      { mfaToken, code: '12345' },
      { mfaToken, code: 123456 },
      { mfaToken, code: '123456', recoveryCode: user.recoveryCodes[0] },
      { mfaToken, recoveryCode: '' },
      { mfaToken, recoveryCode: 'x'.repeat(65) },
      { mfaToken: 42, code: '123456' },
      { mfaToken, code: '123456', role: 'ADMIN' },
    ];
    for (const body of bodies) {
      const response = await mfa(body);
      expect({ body, status: response.status }).toEqual({ body, status: 400 });
    }
    expect(await t.prisma.recoveryCode.count({ where: { userId: user.id, usedAt: { not: null } } })).toBe(0);
    expect((await t.prisma.mfaChallenge.findFirstOrThrow({ where: { userId: user.id } })).attempts).toBe(0);
    expect((await mfa({ mfaToken, recoveryCode: user.recoveryCodes[0] })).status).toBe(200);
  });
});
