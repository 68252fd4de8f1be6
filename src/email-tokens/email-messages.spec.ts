import { emailLink, passwordResetMail, verificationMail } from './email-messages.js';

describe('email messages', () => {
  it('links put the token in the fragment of APP_URL', () => {
    expect(emailLink('https://app.example.com/account', 'reset', 'abc_-1')).toBe('https://app.example.com/account#reset=abc_-1');
    expect(emailLink('http://localhost:3000/demo', 'verify', 'xyz')).toBe('http://localhost:3000/demo#verify=xyz');
  });

  it('a verification mail has a text and an HTML body with the link, and the lifetime', () => {
    const mail = verificationMail('a@example.com', 'https://app.example.com/#verify=t0k', 86_400);
    expect(mail).toMatchObject({ to: 'a@example.com', subject: 'Confirm your email address' });
    expect(mail.text).toContain('https://app.example.com/#verify=t0k');
    expect(mail.text).toContain('24 hours');
    expect(mail.html).toContain('<a href="https://app.example.com/#verify=t0k">');
  });

  it('a reset mail escapes what it puts in HTML', () => {
    const mail = passwordResetMail('a@example.com', 'https://app.example.com/?a=1&b="2"#reset=t', 1800);
    expect(mail.subject).toBe('Reset your password');
    expect(mail.text).toContain('30 minutes');
    expect(mail.html).toContain('href="https://app.example.com/?a=1&#38;b=&#34;2&#34;#reset=t"');
    expect(mail.html).not.toContain('"2"');
  });
});
