import request from 'supertest';
import { signUp, uniqueEmail } from '../support/api.js';
import { TestSmtpServer } from '../support/smtp-server.js';
import { useTestApp } from '../support/test-app.js';
import { timeAlternately } from '../security/helpers.js';

const ATTEMPTS = 15;

describe('forgot-password timing: an unknown email vs. an account', () => {
  let smtp: TestSmtpServer;
  beforeAll(async () => {
    smtp = await new TestSmtpServer().start();
  });
  const t = useTestApp(() => ({ SMTP_URL: smtp.url }));
  afterAll(async () => {
    await smtp?.stop();
  });

  it(`medians of ${ATTEMPTS} alternating requests each are within a factor of 2, and the 202 bodies are byte-identical`, async () => {
    const known = await signUp(t.http);
    const unknownEmail = uniqueEmail('nobody');
    const attempt = async (email: string) => {
      const response = await request(t.http).post('/auth/password/forgot').send({ email });
      expect(response.status).toBe(202);
      return response;
    };

    // Warm-up, not measured; the first request for the account sends its mail (the later ones within the minute send none).
    await attempt(unknownEmail);
    await attempt(known.email);
    await smtp.waitForMail(known.email, 2);

    const timing = await timeAlternately(ATTEMPTS, [unknownEmail, known.email], attempt);
    const [unknownMedian, accountMedian] = timing.medians;
    console.log(
      `forgot-password timing over ${ATTEMPTS} requests each: unknown email median ${unknownMedian.toFixed(1)} ms, ` +
        `account median ${accountMedian.toFixed(1)} ms, ratio ${timing.ratio.toFixed(2)}`,
    );
    expect(timing.ratio).toBeLessThan(2);
    expect(timing.bodies).toEqual(['{"message":"if an account has this email, a link to reset its password is on its way"}']);
    expect(timing.contentLengths).toHaveLength(1);
  });
});
