import request from 'supertest';
import { bearer, signUp, uniqueEmail } from '../support/api.js';
import { useTestApp } from '../support/test-app.js';
import { awayFromStepBoundary, codeAt, enrol, forgetLastStep, otherCode, passwordStep } from './mfa-helpers.js';

describe('sign-in with TOTP under the limits: wrong codes count for the lockout', () => {
  const t = useTestApp({ SIGNIN_MAX_FAILURES: '3' });

  it('after SIGNIN_MAX_FAILURES wrong codes (over several mfaTokens) the right code answers 429 with Retry-After, and so does the password step', async () => {
    const email = uniqueEmail('lockout');
    const user = await signUp(t.http, email);
    const { secret } = await enrol(t.http, user);
    await forgetLastStep(t.prisma, user.id);
    const first = await passwordStep(t.http, email);
    const second = await passwordStep(t.http, email);
    await awayFromStepBoundary();
    const right = codeAt(secret);
    const wrong = otherCode(right);
    for (const mfaToken of [first, first, second])
      expect((await request(t.http).post('/auth/signin/mfa').send({ mfaToken, code: wrong })).status).toBe(401);
    const locked = await request(t.http).post('/auth/signin/mfa').send({ mfaToken: second, code: right });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    const password = await request(t.http).post('/auth/signin').send({ email, password: 'correct-horse-42' });
    expect(password.status).toBe(429);
    expect(await t.prisma.auditEvent.count({ where: { userId: user.id, type: 'signin.locked' } })).toBe(2);
  });

  it('a right code does not count as a failure', async () => {
    const email = uniqueEmail('no-count');
    const user = await signUp(t.http, email);
    const { recoveryCodes } = await enrol(t.http, user);
    for (const recoveryCode of recoveryCodes.slice(0, 4)) {
      expect(
        (
          await request(t.http)
            .post('/auth/signin/mfa')
            .send({ mfaToken: await passwordStep(t.http, email), recoveryCode })
        ).status,
      ).toBe(200);
    }
  });
});

describe('the MFA step of sign-in is under the per-client budget (RATE_LIMIT_PER_MINUTE)', () => {
  const t = useTestApp({ RATE_LIMIT_PER_MINUTE: '3' });

  it('the fourth request in a minute answers 429 with Retry-After', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++)
      statuses.push((await request(t.http).post('/auth/signin/mfa').send({ mfaToken: 'x', code: '123456' })).status);
    expect(statuses).toEqual([401, 401, 401, 429]);
    const response = await request(t.http).post('/auth/signin/mfa').send({ mfaToken: 'x', code: '123456' });
    expect(response.status).toBe(429);
    expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('so are disable and regenerate, which take a code from a signed-in session: no guessing codes at full speed', async () => {
    const user = await signUp(t.http, uniqueEmail('guess'));
    const { secret, session } = await enrol(t.http, user);
    await forgetLastStep(t.prisma, user.id);
    await awayFromStepBoundary();
    const right = codeAt(secret);
    const wrong = otherCode(right);
    for (const path of ['/auth/mfa/totp/disable', '/auth/mfa/recovery-codes']) {
      const send = (code: string) => request(t.http).post(path).set(bearer(session.accessToken)).send({ code });
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) statuses.push((await send(wrong)).status);
      const refused = await send(right);
      expect({ path, statuses, refused: refused.status }).toEqual({ path, statuses: [400, 400, 400], refused: 429 });
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    }
    // Neither refused request changed anything: TOTP is still on, with the recovery codes of the enrolment.
    expect((await t.prisma.user.findUniqueOrThrow({ where: { id: user.id } })).mfaEnabled).toBe(true);
    expect(await t.prisma.recoveryCode.count({ where: { userId: user.id, usedAt: null } })).toBe(10);
  });
});
