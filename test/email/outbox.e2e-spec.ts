import request from 'supertest';
import { OutboxSender } from '../../src/mail/outbox-sender.service.js';
import { signUp, uniqueEmail } from '../support/api.js';
import { TestSmtpServer, tokenFromMail } from '../support/smtp-server.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const waitUntil = async (condition: () => Promise<boolean> | boolean, what: string, timeoutMs = 15_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

describe('mail outbox: the mail server down and back', () => {
  let smtp: TestSmtpServer;
  let t: TestApp;
  beforeAll(async () => {
    smtp = await new TestSmtpServer().start();
    await smtp.stop(); // the service starts while the mail server is down
    t = await startTestApp({ SMTP_URL: smtp.url });
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.stop();
  });

  it('requests succeed while it is down, the mails wait with their errors, one warning; once it is back every mail is delivered once', async () => {
    const users = [];
    for (let i = 0; i < 3; i++) users.push(await signUp(t.http, uniqueEmail('outage'))); // 201: nobody waits for the mail server
    const forgot = await request(t.http).post('/auth/password/forgot').send({ email: users[0].email });
    expect(forgot.status).toBe(202);

    const recipients = users.map((user) => user.email);
    await waitUntil(async () => {
      const rows = await t.prisma.mailOutbox.findMany({ where: { recipient: { in: recipients } } });
      return rows.length === 4 && rows.every((row) => row.attempts >= 1 && row.lastError !== null);
    }, 'failed delivery attempts');
    const rows = await t.prisma.mailOutbox.findMany({ where: { recipient: { in: recipients } } });
    expect(rows.every((row) => row.sentAt === null)).toBe(true);
    expect(rows[0].lastError).toMatch(/ECONNREFUSED/);
    const warnings = t.logs.filter((line) => String(line.msg).startsWith('mail server unavailable'));
    expect(warnings).toHaveLength(1);
    expect(JSON.stringify(t.logs)).not.toMatch(/#(verify|reset)=/);

    await smtp.start(); // same port
    for (const user of users) await smtp.waitForMail(user.email, user === users[0] ? 2 : 1, 15_000);
    await t.app.get(OutboxSender).deliverDue();
    expect(smtp.received).toHaveLength(4);
    expect(
      smtp
        .mailsTo(users[0].email)
        .map((mail) => mail.subject)
        .sort(),
    ).toEqual(['Confirm your email address', 'Reset your password']);

    // The links of the delayed mails work.
    const verifyToken = tokenFromMail(smtp.mailsTo(users[1].email)[0], 'verify');
    expect((await request(t.http).post('/auth/email/verify').send({ token: verifyToken })).status).toBe(204);
    const resetMail = smtp.mailsTo(users[0].email).find((mail) => mail.subject === 'Reset your password')!;
    const reset = await request(t.http)
      .post('/auth/password/reset')
      .send({ token: tokenFromMail(resetMail, 'reset'), newPassword: 'after the outage 42' });
    expect(reset.status).toBe(204);
  }, 40_000);
});

describe('mail outbox: two instances share one outbox', () => {
  let smtp: TestSmtpServer;
  let first: TestApp;
  let second: TestApp;
  beforeAll(async () => {
    // Slow answers, so that both senders are at work at the same time.
    smtp = await new TestSmtpServer({ delayMs: 20 }).start();
    first = await startTestApp({ SMTP_URL: smtp.url });
    second = await startTestApp({ SMTP_URL: smtp.url }, first.database);
  });
  afterAll(async () => {
    await second?.close();
    await first?.close();
    await smtp?.stop();
  });

  it('every mail is delivered exactly once', async () => {
    const recipients = Array.from({ length: 40 }, (_, i) => `shared-${i}@example.com`);
    await first.prisma.mailOutbox.createMany({
      data: recipients.map((recipient) => ({
        recipient,
        subject: 'Shared outbox',
        textBody: `hello ${recipient}`,
        htmlBody: `<p>hello ${recipient}</p>`,
        expiresAt: new Date(Date.now() + 3_600_000),
      })),
    });
    const senders = [first.app.get(OutboxSender), second.app.get(OutboxSender)];
    expect(senders[0]).not.toBe(senders[1]);
    await Promise.all([senders[0].deliverDue(), senders[1].deliverDue()]);
    await waitUntil(async () => (await first.prisma.mailOutbox.count({ where: { sentAt: null } })) === 0, 'every mail marked sent');

    expect(smtp.received).toHaveLength(recipients.length);
    expect(smtp.received.map((mail) => mail.to).sort()).toEqual([...recipients].sort());
    const sent = await first.prisma.mailOutbox.findMany();
    expect(sent.every((row) => row.attempts === 1 && row.textBody === '' && row.htmlBody === '')).toBe(true);
  }, 30_000);
});

describe('mail transport', () => {
  it('STARTTLS is used when the server offers it', async () => {
    const smtp = await new TestSmtpServer({ starttls: true }).start();
    const t = await startTestApp({ SMTP_URL: smtp.url });
    try {
      const user = await signUp(t.http, uniqueEmail('tls'));
      const mail = await smtp.waitForMail(user.email);
      expect(mail.secure).toBe(true);
    } finally {
      await t.close();
      await smtp.stop();
    }
  }, 30_000);

  it('without SMTP_URL (development) each mail is written to the log with its link, and both flows work from it', async () => {
    const t = await startTestApp({ LOG_LEVEL: 'info', APP_URL: 'http://localhost:3000/demo' });
    const linkIn = async (email: string, kind: 'verify' | 'reset') => {
      let token: string | undefined;
      await waitUntil(() => {
        const line = t.logs.find((entry) => String(entry.msg).includes(`mail to ${email}`) && String(entry.msg).includes(`#${kind}=`));
        token = line ? new RegExp(`http://localhost:3000/demo#${kind}=([A-Za-z0-9_-]+)`).exec(String(line.msg))?.[1] : undefined;
        return token !== undefined;
      }, `the ${kind} link in the log`);
      return token!;
    };
    try {
      const user = await signUp(t.http, uniqueEmail('logged'));
      const verifyToken = await linkIn(user.email, 'verify');
      expect((await request(t.http).post('/auth/email/verify').send({ token: verifyToken })).status).toBe(204);
      expect((await request(t.http).post('/auth/password/forgot').send({ email: user.email })).status).toBe(202);
      const resetToken = await linkIn(user.email, 'reset');
      expect(
        (await request(t.http).post('/auth/password/reset').send({ token: resetToken, newPassword: 'from the log 12345' })).status,
      ).toBe(204);
    } finally {
      await t.close();
    }
  }, 30_000);
});
