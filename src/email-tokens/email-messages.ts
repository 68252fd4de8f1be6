import { type OutgoingMail } from '../mail/mail.types.js';

/** The link a mail carries: the page at APP_URL reads the token from the fragment (never sent to a server). */
export function emailLink(appUrl: string, kind: 'verify' | 'reset', token: string): string {
  return `${appUrl}#${kind}=${token}`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function hours(seconds: number): string {
  if (seconds % 3600 === 0) return seconds === 3600 ? '1 hour' : `${seconds / 3600} hours`;
  return `${Math.round(seconds / 60)} minutes`;
}

function compose(to: string, subject: string, paragraphs: string[], link: string, action: string, footer: string): OutgoingMail {
  const text = [...paragraphs, '', link, '', footer].join('\n');
  const html =
    '<!doctype html><html><body style="font-family:sans-serif">' +
    paragraphs.map((paragraph) => `<p>${escapeHtml(paragraph)}</p>`).join('') +
    `<p><a href="${escapeHtml(link)}">${escapeHtml(action)}</a></p>` +
    `<p style="color:#666">${escapeHtml(footer)}</p></body></html>`;
  return { to, subject, text, html };
}

export function verificationMail(to: string, link: string, ttlSeconds: number): OutgoingMail {
  return compose(
    to,
    'Confirm your email address',
    ['Please confirm that this is your email address by opening this link:'],
    link,
    'Confirm my email address',
    `The link works once and expires in ${hours(ttlSeconds)}. If you did not create an account, ignore this email.`,
  );
}

export function passwordResetMail(to: string, link: string, ttlSeconds: number): OutgoingMail {
  return compose(
    to,
    'Reset your password',
    ['Someone (hopefully you) asked to reset the password of your account. To choose a new password, open this link:'],
    link,
    'Choose a new password',
    `The link works once and expires in ${hours(ttlSeconds)}. If you did not ask for it, ignore this email: your password stays as it is.`,
  );
}
