import { BadRequestException, ConflictException, HttpStatus, Injectable, Logger, UnauthorizedException } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import { RetryLaterException } from '../common/retry-later.exception.js';
import { Transactions } from '../database/transactions.js';
import { EmailLinks } from '../email-tokens/email-links.service.js';
import { EmailTokenPurpose, EmailTokens } from '../email-tokens/email-tokens.service.js';
import { UsersService } from '../users/users.service.js';
import { type AuthUser, type ClientInfo } from '../access/access.types.js';

/** One body for an unknown, expired or used token. */
export const INVALID_EMAIL_TOKEN = 'invalid or expired link: ask for a new one';
/** At most one verification mail per minute on request (the sign-up mail does not count). */
export const RESEND_INTERVAL_SECONDS = 60;

/** POST /auth/email/verify and /auth/email/verify/resend; sign-up sends the first mail (EmailLinks). */
@Injectable()
export class EmailVerificationService {
  private readonly logger = new Logger('EmailVerification');

  constructor(
    private readonly transactions: Transactions,
    private readonly tokens: EmailTokens,
    private readonly links: EmailLinks,
    private readonly users: UsersService,
    private readonly audit: AuditService,
  ) {}

  async verify(token: string, client: ClientInfo): Promise<void> {
    const userId = await this.transactions.run(async ({ db: tx }) => {
      const userId = await this.tokens.claim(token, EmailTokenPurpose.VERIFY_EMAIL, tx);
      if (userId === null) return null;
      await this.tokens.discard(userId, [EmailTokenPurpose.VERIFY_EMAIL], tx);
      if (await this.users.markEmailVerified(userId, tx)) {
        await this.audit.record({ type: 'email.verified', userId, ...client, detail: { via: 'link' } }, tx);
      }
      return userId;
    });
    if (userId === null) throw new BadRequestException(INVALID_EMAIL_TOKEN);
    this.logger.log({ event: 'email.verified', userId });
  }

  /** 409 when verified already, 429 (Retry-After) within a minute of the last resend. */
  async resend(user: AuthUser): Promise<void> {
    await this.transactions.run(async (transaction) => {
      const tx = transaction.db;
      const account = await this.users.lockForEmailFlow({ id: user.id }, tx);
      if (!account) throw new UnauthorizedException('invalid or missing access token'); // deleted meanwhile
      if (account.emailVerified) throw new ConflictException('the email is already verified');
      const last = await this.tokens.lastIssuedAt(user.id, EmailTokenPurpose.VERIFY_EMAIL, tx, { resentOnly: true });
      const waitMs = last ? last.getTime() + RESEND_INTERVAL_SECONDS * 1000 - Date.now() : 0;
      if (waitMs > 0) {
        const body = {
          statusCode: HttpStatus.TOO_MANY_REQUESTS,
          message: 'a verification email was sent less than a minute ago',
          error: 'Too Many Requests',
        };
        throw new RetryLaterException(HttpStatus.TOO_MANY_REQUESTS, body, Math.ceil(waitMs / 1000));
      }
      await this.links.sendVerification(account, transaction, { resent: true });
    });
    this.logger.log({ event: 'email.verification_resent', userId: user.id, sessionId: user.sessionId });
  }
}
