import { Logger } from '@nestjs/common';
import nodemailer, { type Transporter, type TransportOptions } from 'nodemailer';
import { type MailConfig } from '../config/app-config.js';
import { type OutgoingMail } from './mail.types.js';

export const MAIL_TRANSPORT = Symbol('MAIL_TRANSPORT');

/** Hands one mail to the mail server; rejects when the server is unreachable or refuses it. */
export interface MailTransport {
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

/** Bounded waits, so that a silent mail server holds a delivery for seconds, not nodemailer's two minutes. */
const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 };

/**
 * SMTP with nodemailer: `smtp://` upgrades with STARTTLS whenever the server offers it (`?requireTLS=true`
 * refuses a server that does not), `smtps://` is TLS from the start.
 */
export class SmtpTransport implements MailTransport {
  private readonly transporter: Transporter;

  constructor(smtpUrl: string, from: string) {
    this.transporter = nodemailer.createTransport({ url: smtpUrl, ...SMTP_TIMEOUTS } as TransportOptions, { from });
  }

  async send(mail: OutgoingMail): Promise<void> {
    await this.transporter.sendMail(mail);
  }

  close(): void {
    this.transporter.close();
  }
}

/**
 * Development without SMTP_URL: each mail is written to the log with its link, so that the flows can be
 * followed from `npm start` alone. Never in production (the configuration refuses to start without SMTP_URL).
 */
export class LogTransport implements MailTransport {
  private readonly logger = new Logger('Mail');

  async send(mail: OutgoingMail): Promise<void> {
    this.logger.log(`mail to ${mail.to} (no SMTP_URL: logged, not sent): ${mail.subject}\n${mail.text}`);
  }

  close(): void {}
}

export function mailTransportFor(config: MailConfig): MailTransport {
  return config.smtpUrl === undefined ? new LogTransport() : new SmtpTransport(config.smtpUrl, config.from);
}
