import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, UnauthorizedException } from '@nestjs/common';
import { AuditService, type AuditEvent } from '../audit/audit.service.js';
import { APP_CONFIG } from '../config/config.module.js';
import { type AppConfig } from '../config/app-config.js';
import { Clock } from '../clock/clock.js';
import { Transactions, type Transaction } from '../database/transactions.js';
import { EmailLinks } from '../email-tokens/email-links.service.js';
import { EmailTokenPurpose, EmailTokens } from '../email-tokens/email-tokens.service.js';
import { type MfaChallengeDto } from '../mfa/dto/mfa-responses.dto.js';
import { MfaChallenges } from '../mfa/mfa-challenges.service.js';
import { type Role } from '../generated/prisma/enums.js';
import { SigninAttempts, TooManyAttemptsException, type SigninAttempt } from '../limits/signin-attempts.service.js';
import { SessionsService, type Rotation, type SessionWithUser } from '../sessions/sessions.service.js';
import { UsersService, type UserWithPassword } from '../users/users.service.js';
import { type AuthUser, type ClientInfo } from '../access/access.types.js';
import { PasswordHasher } from '../passwords/password-hasher.js';
import { PasswordPolicy } from '../passwords/password-policy.js';
import { type RefreshCredentials } from './auth.types.js';
import { type AuthResponseDto, type TokenPairDto } from './dto/token-pair.dto.js';
import { type ChangePasswordDto } from './dto/change-password.dto.js';
import { type CredentialsDto } from './dto/credentials.dto.js';
import { epochSeconds, hashToken, TokenService, type RefreshTokenFields } from './token.service.js';

/** One body for every failed sign-in, so that a client cannot tell an unknown email from a wrong password. */
const INVALID_CREDENTIALS = 'invalid email or password';
const INVALID_REFRESH = 'invalid refresh token';

/** Auth events are logged at info with the user and session ids: never a token, a password or a hash. */
@Injectable()
export class AuthService {
  private readonly logger = new Logger('Auth');

  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly tokens: TokenService,
    private readonly hasher: PasswordHasher,
    private readonly policy: PasswordPolicy,
    private readonly attempts: SigninAttempts,
    private readonly transactions: Transactions,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly emailLinks: EmailLinks,
    private readonly emailTokens: EmailTokens,
    private readonly mfaChallenges: MfaChallenges,
  ) {}

  /** Creates a USER, opens its first session and queues its verification email, in one transaction: all or nothing. */
  async signUp(credentials: CredentialsDto, client: ClientInfo): Promise<AuthResponseDto> {
    this.policy.check(credentials.password);
    const passwordHash = await this.hasher.hash(credentials.password);
    return this.transactions.run(async (transaction) => {
      const user = await this.users.create(credentials.email, passwordHash, transaction);
      await this.emailLinks.sendVerification(user, transaction);
      return { id: user.id, email: user.email, role: user.role, ...(await this.openSession(user, client, 'signup', transaction)) };
    });
  }

  async signIn(credentials: CredentialsDto, client: ClientInfo): Promise<AuthResponseDto | MfaChallengeDto> {
    const attempt = await this.beginAttempt(credentials.email, client);
    let user: UserWithPassword | null;
    let matches: boolean;
    try {
      user = await this.users.findWithPassword(credentials.email);
      matches = await this.hasher.verify(user?.passwordHash, credentials.password);
    } catch (error) {
      await attempt.release(); // the database or the hashing queue failed, not the client
      throw error;
    }
    if (!matches || !user) {
      this.logger.log({ event: 'signin.failed', userId: user?.id ?? null, ip: client.ip });
      // An unknown email is recorded without the email: the event must not become a list of guesses.
      const reason = user ? 'wrong_password' : 'unknown_email';
      await this.audit.recordStandalone({ type: 'signin.failed', userId: user?.id ?? null, ...client, detail: { reason } });
      throw new UnauthorizedException(INVALID_CREDENTIALS);
    }
    await attempt.release();
    if (this.hasher.needsRehash(user.passwordHash)) {
      await this.users.setPasswordHash(user.id, await this.hasher.hash(credentials.password));
    }
    if (user.mfaEnabled) return { mfaRequired: true, ...(await this.mfaChallenges.issue(user.id)) };
    const tokens = await this.transactions.run((transaction) => this.openSession(user, client, 'signin', transaction));
    return { id: user.id, email: user.email, role: user.role, ...tokens };
  }

  /**
   * Rotates the session's refresh token. The previous token, presented again within the grace window
   * (parallel refreshes, a retry after a lost response), gets the session's current refresh token back.
   * Any other stale token is reuse: the whole session is revoked.
   */
  async refresh(credentials: RefreshCredentials, client: ClientInfo): Promise<TokenPairDto> {
    const presented = hashToken(credentials.token);
    const fast = await this.rotateUncapped(credentials, presented);
    if (fast) return fast;
    let session = await this.liveSession(credentials);
    if (session.tokenHash === presented) {
      // The session ends within a refresh TTL: the new token's expiry is capped by its end.
      const now = this.clock.now();
      const next = this.tokens.nextRefreshFields(session.userId, session.id, session.expiresAt, now);
      const refreshToken = this.tokens.signRefreshToken(next);
      if (await this.sessions.rotate(session.id, presented, rotationOf(next, refreshToken, now))) {
        this.logger.log({ event: 'refresh', userId: session.userId, sessionId: session.id });
        return this.tokenPair(session.user, session.id, session.expiresAt, refreshToken, session.mfaVerified);
      }
      // A concurrent refresh of the same token won the race: answer as its grace-window replay.
      session = await this.liveSession(credentials);
    }
    if (session.previousTokenHash === presented && this.withinGrace(session)) {
      const current = this.tokens.signRefreshToken(currentRefreshFields(session));
      if (hashToken(current) === session.tokenHash) {
        this.logger.log({ event: 'refresh.replay', userId: session.userId, sessionId: session.id });
        return this.tokenPair(session.user, session.id, session.expiresAt, current, session.mfaVerified);
      }
    }
    await this.revokeWithEvent(session.id, { type: 'refresh.reuse', userId: session.userId, sessionId: session.id, ...client });
    this.logger.warn({
      event: 'refresh.reuse',
      userId: session.userId,
      sessionId: session.id,
      msg: 'rotated refresh token reused: session revoked',
    });
    throw new UnauthorizedException(INVALID_REFRESH);
  }

  /**
   * 401 for a wrong current password, which counts as a failed sign-in of the account's email from
   * this client (429 once locked). On success every other session of the user is revoked.
   */
  async changePassword(user: AuthUser, change: ChangePasswordDto, client: ClientInfo): Promise<void> {
    this.policy.check(change.newPassword, 'newPassword');
    const account = await this.users.findCredentials(user.id);
    if (!account) throw new UnauthorizedException('invalid or missing access token');
    const attempt = await this.beginAttempt(account.email, client, { userId: user.id, sessionId: user.sessionId });
    const matches = await this.hasher.verify(account.passwordHash, change.currentPassword).catch(async (error: unknown) => {
      await attempt.release(); // the hashing queue is full: not a wrong password
      throw error;
    });
    if (!matches) {
      this.logger.log({ event: 'password.change.failed', userId: user.id, sessionId: user.sessionId, ip: client.ip });
      const detail = { reason: 'wrong_current_password' };
      await this.audit.recordStandalone({ type: 'signin.failed', userId: user.id, sessionId: user.sessionId, ...client, detail });
      throw new UnauthorizedException('current password is wrong');
    }
    await attempt.release();
    const passwordHash = await this.hasher.hash(change.newPassword);
    await this.transactions.run(async (transaction) => {
      await this.users.changePassword(user.id, passwordHash, user.sessionId, client, transaction);
      await this.emailTokens.discard(user.id, [EmailTokenPurpose.RESET_PASSWORD], transaction.db); // a reset link sent earlier must not undo the change
    });
    this.logger.log({ event: 'password.changed', userId: user.id, sessionId: user.sessionId });
  }

  async signOut(user: AuthUser, client: ClientInfo): Promise<void> {
    await this.revokeWithEvent(user.sessionId, { type: 'signout', userId: user.id, sessionId: user.sessionId, ...client });
    this.logger.log({ event: 'signout', userId: user.id, sessionId: user.sessionId });
  }

  async signOutAll(user: AuthUser, client: ClientInfo): Promise<void> {
    const revoked = await this.transactions.run(async (transaction) => {
      const revoked = await this.sessions.revokeAllOfUser(user.id, transaction);
      const detail = { sessionsRevoked: revoked };
      await this.audit.record({ type: 'signout.all', userId: user.id, sessionId: user.sessionId, ...client, detail }, transaction.db);
      return revoked;
    });
    this.logger.log({ event: 'signout.all', userId: user.id, sessionId: user.sessionId, revoked });
  }

  /**
   * Counts a sign-in attempt (see SigninAttempts). A refused one (429, locked) is recorded: with the
   * account's id when the email has one (`known`, when the caller already knows it), never the email.
   */
  async beginAttempt(email: string, client: ClientInfo, known?: { userId: number; sessionId?: string }): Promise<SigninAttempt> {
    try {
      return await this.attempts.begin(email, client.ip);
    } catch (error) {
      if (error instanceof TooManyAttemptsException) {
        const userId = known ? known.userId : ((await this.users.findIdByEmail(email)) ?? null);
        await this.audit.recordStandalone({ type: 'signin.locked', userId, sessionId: known?.sessionId, ...client });
      }
      throw error;
    }
  }

  /** Revokes one session and records why, in one transaction (every instance is told after the commit). */
  private async revokeWithEvent(sessionId: string, event: AuditEvent): Promise<void> {
    await this.transactions.run(async (transaction) => {
      if (await this.sessions.revoke(sessionId, transaction)) await this.audit.record(event, transaction.db);
    });
  }

  /** Opens a session and records its event, in the caller's transaction (also for the MFA step of sign-in). */
  async openSession(
    user: { id: number; role: Role },
    client: ClientInfo,
    event: 'signup' | 'signin',
    transaction: Transaction,
    mfaVerified = false,
  ): Promise<TokenPairDto> {
    const now = this.clock.now();
    const sessionId = randomUUID();
    const expiresAt = new Date(now.getTime() + this.config.sessionMaxAge * 1000);
    const fields = this.tokens.nextRefreshFields(user.id, sessionId, expiresAt, now);
    const refreshToken = this.tokens.signRefreshToken(fields);
    await this.sessions.create(
      {
        id: sessionId,
        userId: user.id,
        ...rotationOf(fields, refreshToken, now),
        expiresAt,
        userAgent: client.userAgent,
        ip: client.ip,
        mfaVerified,
      },
      transaction,
    );
    await this.audit.record(
      { type: event, userId: user.id, sessionId, ...client, ...(mfaVerified ? { detail: { mfa: true } } : {}) },
      transaction.db,
    );
    this.logger.log({ event, userId: user.id, sessionId, ip: client.ip });
    const access = this.tokens.signAccessToken(user, sessionId, expiresAt, mfaVerified);
    return { accessToken: access.token, refreshToken, tokenType: 'Bearer', expiresIn: access.expiresIn };
  }

  /** The common case in one statement (see SessionsService.rotateUncapped); null when it does not apply. */
  private async rotateUncapped(credentials: RefreshCredentials, presented: string): Promise<TokenPairDto | null> {
    const now = this.clock.now();
    const next = this.tokens.nextRefreshFields(credentials.userId, credentials.sessionId, undefined, now);
    const refreshToken = this.tokens.signRefreshToken(next);
    const rotated = await this.sessions.rotateUncapped(
      credentials.sessionId,
      credentials.userId,
      presented,
      rotationOf(next, refreshToken, now),
    );
    if (!rotated) return null;
    this.logger.log({ event: 'refresh', userId: credentials.userId, sessionId: credentials.sessionId });
    return this.tokenPair(
      { id: credentials.userId, role: rotated.role },
      credentials.sessionId,
      rotated.expiresAt,
      refreshToken,
      rotated.mfaVerified,
    );
  }

  private tokenPair(
    user: { id: number; role: Role },
    sessionId: string,
    sessionEnd: Date,
    refreshToken: string,
    mfaVerified: boolean,
  ): TokenPairDto {
    const access = this.tokens.signAccessToken(user, sessionId, sessionEnd, mfaVerified);
    return { accessToken: access.token, refreshToken, tokenType: 'Bearer', expiresIn: access.expiresIn };
  }

  /** The session the token names, if it is live and belongs to the token's subject. */
  private async liveSession(credentials: RefreshCredentials): Promise<SessionWithUser> {
    const session = await this.sessions.findLive(credentials.sessionId, credentials.userId);
    if (!session) throw new UnauthorizedException(INVALID_REFRESH);
    return session;
  }

  private withinGrace(session: SessionWithUser): boolean {
    return this.clock.nowMs() - session.rotatedAt.getTime() <= this.config.jwt.refreshReuseGrace * 1000;
  }
}

/**
 * The session state that holds a newly signed refresh token. rotatedAt keeps the exact time (the grace
 * window runs from it); the token's iat is that time in whole seconds, so it can be derived again.
 */
function rotationOf(fields: RefreshTokenFields, refreshToken: string, now: Date): Rotation {
  return {
    tokenHash: hashToken(refreshToken),
    tokenId: fields.tokenId,
    rotatedAt: now,
    refreshExpiresAt: new Date(fields.expiresAt * 1000),
  };
}

/** The fields of the refresh token a session currently holds, as stored when it was issued. */
function currentRefreshFields(session: SessionWithUser): RefreshTokenFields {
  return {
    userId: session.userId,
    sessionId: session.id,
    tokenId: session.tokenId,
    issuedAt: epochSeconds(session.rotatedAt),
    expiresAt: epochSeconds(session.refreshExpiresAt),
  };
}
