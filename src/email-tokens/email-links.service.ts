import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '../config/config.module.js';
import { type AppConfig } from '../config/app-config.js';
import { type Transaction } from '../database/transactions.js';
import { MailOutbox } from '../mail/mail-outbox.service.js';
import { OutboxSender } from '../mail/outbox-sender.service.js';
import { emailLink, passwordResetMail, verificationMail } from './email-messages.js';
import { EmailTokenPurpose, EmailTokens } from './email-tokens.service.js';

/**
 * Issues a token and queues the mail that carries it, in the caller's transaction: the mail exists exactly
 * when its token does. Delivery starts once the transaction has committed (not waited for).
 */
@Injectable()
export class EmailLinks {
  constructor(
    private readonly tokens: EmailTokens,
    private readonly outbox: MailOutbox,
    private readonly sender: OutboxSender,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async sendVerification(user: { id: number; email: string }, transaction: Transaction, options: { resent?: boolean } = {}): Promise<void> {
    const ttl = this.config.mail.emailVerifyTtl;
    const { token, expiresAt } = await this.tokens.issue(user.id, EmailTokenPurpose.VERIFY_EMAIL, ttl, transaction.db, options);
    await this.outbox.enqueue(
      verificationMail(user.email, emailLink(this.config.mail.appUrl, 'verify', token), ttl),
      expiresAt,
      transaction.db,
    );
    this.deliverAfterCommit(transaction);
  }

  async sendPasswordReset(user: { id: number; email: string }, transaction: Transaction): Promise<void> {
    const ttl = this.config.mail.passwordResetTtl;
    const { token, expiresAt } = await this.tokens.issue(user.id, EmailTokenPurpose.RESET_PASSWORD, ttl, transaction.db);
    await this.outbox.enqueue(
      passwordResetMail(user.email, emailLink(this.config.mail.appUrl, 'reset', token), ttl),
      expiresAt,
      transaction.db,
    );
    this.deliverAfterCommit(transaction);
  }

  private deliverAfterCommit(transaction: Transaction): void {
    transaction.afterCommit('mail-delivery', async () => this.sender.deliverSoon());
  }
}
