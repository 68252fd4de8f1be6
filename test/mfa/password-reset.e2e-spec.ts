import request from 'supertest';
import { signUp, uniqueEmail } from '../support/api.js';
import { TestSmtpServer, tokenFromMail } from '../support/smtp-server.js';
import { useTestApp } from '../support/test-app.js';
import { amrOf, awayFromStepBoundary, codeAt, enrol } from './mfa-helpers.js';

const NEW_PASSWORD = 'a reset passphrase 2026';

describe('a password reset does not bypass the second factor', () => {
  const smtp = new TestSmtpServer();
  beforeAll(async () => {
    await smtp.start();
  });
  afterAll(async () => {
    await smtp.stop();
  });
  const t = useTestApp(() => ({ SMTP_URL: smtp.url }));

  it('after a reset by email link, sign-in with the new password still answers mfaRequired, and the code opens the session', async () => {
    const user = await signUp(t.http, uniqueEmail('mfa-reset'));
    const { secret } = await enrol(t.http, user);

    expect((await request(t.http).post('/auth/password/forgot').send({ email: user.email })).status).toBe(202);
    const resetMail = await smtp.waitForMail(user.email, 2); // the first is the sign-up's verification mail
    const reset = await request(t.http)
      .post('/auth/password/reset')
      .send({ token: tokenFromMail(resetMail, 'reset'), newPassword: NEW_PASSWORD });
    expect(reset.status).toBe(204);

    const passwordStep = await request(t.http).post('/auth/signin').send({ email: user.email, password: NEW_PASSWORD });
    expect(passwordStep.status).toBe(200);
    expect(passwordStep.body).toEqual({ mfaRequired: true, mfaToken: expect.any(String), expiresIn: expect.any(Number) });
    expect(passwordStep.body).not.toHaveProperty('accessToken');
    expect((await t.prisma.user.findUniqueOrThrow({ where: { id: user.id } })).mfaEnabled).toBe(true);

    await awayFromStepBoundary();
    const secondStep = await request(t.http)
      .post('/auth/signin/mfa')
      .send({ mfaToken: passwordStep.body.mfaToken, code: codeAt(secret, 1) });
    expect(secondStep.status).toBe(200);
    expect(amrOf(secondStep.body.accessToken)).toEqual(['pwd', 'otp']);
  });
});
