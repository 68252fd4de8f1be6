import { BadRequestException, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { AuditService } from '../audit/audit.service.js';
import { SerialRunner } from '../common/serial-runner.js';
import { PrismaService } from '../database/prisma.service.js';
import { Transactions, type Transaction } from '../database/transactions.js';
import { EmailLinks } from '../email-tokens/email-links.service.js';
import { EmailTokenPurpose, EmailTokens } from '../email-tokens/email-tokens.service.js';
import { SigninAttempts } from '../limits/signin-attempts.service.js';
import { UsersService } from '../users/users.service.js';
import { type ClientInfo } from '../access/access.types.js';
import { PasswordHasher } from '../passwords/password-hasher.js';
import { PasswordPolicy } from '../passwords/password-policy.js';
import { INVALID_EMAIL_TOKEN } from './email-verification.service.js';

/** At most one reset mail per address per minute. */
export const RESET_MAIL_INTERVAL_SECONDS = 60;
/** Queued requests left by another instance (or by a database outage) are picked up within this. */
const RESET_QUEUE_POLL_MS = 5_000;

interface QueuedRequest {
  id: bigint;
  email: string;
  ip: string | null;
  user_agent: string | null;
}

/**
 * Forgot-password and reset. A forgot-password request is one INSERT into a queue whether or not the email
 * has an account, so its answer (202) and its time tell nothing; a background worker turns each queued
 * request into a token and a mail (the owner of the password_reset_requests table).
 */
@Injectable()
export class PasswordResetService implements OnApplicationShutdown {
  private readonly logger = new Logger('PasswordReset');
  /** One run at a time per instance; SKIP LOCKED between instances. */
  private readonly queue = new SerialRunner(
    () => this.processOne(),
    // The database is away: the requests stay queued for the next run.
    (error) => this.logger.warn(`forgot-password queue not processed: ${error.message}`),
  );

  constructor(
    private readonly prisma: PrismaService,
    private readonly tokens: EmailTokens,
    private readonly links: EmailLinks,
    private readonly users: UsersService,
    private readonly transactions: Transactions,
    private readonly audit: AuditService,
    private readonly attempts: SigninAttempts,
    private readonly hasher: PasswordHasher,
    private readonly policy: PasswordPolicy,
  ) {}

  async request(email: string, client: ClientInfo): Promise<void> {
    await this.prisma.passwordResetRequest.create({ data: { email, ip: client.ip, userAgent: client.userAgent }, select: { id: true } });
    void this.processQueue();
  }

  /** Works through the queued requests. */
  @Interval(RESET_QUEUE_POLL_MS)
  processQueue(): Promise<void> {
    return this.queue.run();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue.stop();
  }

  /**
   * 204: the password replaced, every session revoked, the email verified, the sign-in lockout of the email
   * lifted. 400 (one body) for an unknown, expired or used token; of two concurrent uses exactly one succeeds.
   */
  async reset(token: string, newPassword: string, client: ClientInfo): Promise<void> {
    this.policy.check(newPassword, 'newPassword');
    // A token that cannot succeed costs no password hashing.
    if ((await this.tokens.peek(token, EmailTokenPurpose.RESET_PASSWORD)) === null) throw new BadRequestException(INVALID_EMAIL_TOKEN);
    const passwordHash = await this.hasher.hash(newPassword);
    const done = await this.transactions.run(async (transaction) => {
      const tx = transaction.db;
      const userId = await this.tokens.claim(token, EmailTokenPurpose.RESET_PASSWORD, tx);
      if (userId === null) return null;
      const result = await this.users.resetPassword(userId, passwordHash, transaction);
      await this.tokens.discard(userId, [EmailTokenPurpose.RESET_PASSWORD, EmailTokenPurpose.VERIFY_EMAIL], tx);
      await this.audit.record({ type: 'password.reset', userId, ...client, detail: { sessionsRevoked: result.sessionsRevoked } }, tx);
      if (result.newlyVerified)
        await this.audit.record({ type: 'email.verified', userId, ...client, detail: { via: 'password_reset' } }, tx);
      return { userId, ...result };
    });
    if (!done) throw new BadRequestException(INVALID_EMAIL_TOKEN);
    await this.attempts.clearEmail(done.email);
    this.logger.log({ event: 'password.reset', userId: done.userId, revoked: done.sessionsRevoked });
  }

  /** Takes one queued request; returns false when there was none. */
  private async processOne(): Promise<boolean> {
    return this.transactions.run(async (transaction) => {
      const [request] = await transaction.db.$queryRaw<QueuedRequest[]>`
        DELETE FROM password_reset_requests
         WHERE id = (SELECT id FROM password_reset_requests ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
        RETURNING id, email, ip, user_agent`;
      if (!request) return false;
      await this.mailIfDue(request, transaction);
      return true;
    });
  }

  /** Sends the reset mail unless the address had one within the last minute (then nothing changes). */
  private async mailIfDue(request: QueuedRequest, transaction: Transaction): Promise<void> {
    const tx = transaction.db;
    const user = await this.users.lockForEmailFlow({ email: request.email }, tx);
    if (!user) return;
    const last = await this.tokens.lastIssuedAt(user.id, EmailTokenPurpose.RESET_PASSWORD, tx);
    if (last && Date.now() - last.getTime() < RESET_MAIL_INTERVAL_SECONDS * 1000) return;
    await this.links.sendPasswordReset(user, transaction);
    const client = { ip: request.ip ?? undefined, userAgent: request.user_agent ?? undefined };
    await this.audit.record({ type: 'password.reset_requested', userId: user.id, ...client }, tx);
    this.logger.log({ event: 'password.reset_requested', userId: user.id });
  }
}
