import request from 'supertest';
import { signUp, uniqueEmail } from '../support/api.js';
import { TestSmtpServer } from '../support/smtp-server.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { median } from '../security/helpers.js';

const ATTEMPTS = 15;

describe('forgot-password timing: an unknown email vs. an account', () => {
  let smtp: TestSmtpServer;
  let t: TestApp;
  beforeAll(async () => {
    smtp = await new TestSmtpServer().start();
    t = await startTestApp({ SMTP_URL: smtp.url });
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.stop();
  });

  it(`medians of ${ATTEMPTS} alternating requests each are within a factor of 2, and the 202 bodies are byte-identical`, async () => {
    const known = await signUp(t.http);
    const unknownEmail = uniqueEmail('nobody');
    const attempt = async (email: string) => {
      const started = process.hrtime.bigint();
      const response = await request(t.http).post('/auth/password/forgot').send({ email });
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      expect(response.status).toBe(202);
      return { ms, response };
    };

    // Warm-up, not measured; the first request for the account sends its mail (the later ones within the minute send none).
    await attempt(unknownEmail);
    await attempt(known.email);
    await smtp.waitForMail(known.email, 2);

    const unknown: number[] = [];
    const account: number[] = [];
    const bodies = new Set<string>();
    const lengths = new Set<string>();
    for (let i = 0; i < ATTEMPTS; i++) {
      const order = i % 2 === 0 ? [unknownEmail, known.email] : [known.email, unknownEmail];
      for (const email of order) {
        const { ms, response } = await attempt(email);
        (email === unknownEmail ? unknown : account).push(ms);
        bodies.add(response.text);
        lengths.add(String(response.headers['content-length']));
      }
    }

    const unknownMedian = median(unknown);
    const accountMedian = median(account);
    const ratio = Math.max(unknownMedian, accountMedian) / Math.min(unknownMedian, accountMedian);
    console.log(
      `forgot-password timing over ${ATTEMPTS} requests each: unknown email median ${unknownMedian.toFixed(1)} ms, ` +
        `account median ${accountMedian.toFixed(1)} ms, ratio ${ratio.toFixed(2)}`,
    );
    expect(ratio).toBeLessThan(2);
    expect([...bodies]).toEqual(['{"message":"if an account has this email, a link to reset its password is on its way"}']);
    expect(lengths.size).toBe(1);
  });
});
