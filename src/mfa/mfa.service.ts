import { BadRequestException, ConflictException, Injectable, Logger, NotFoundException, UnauthorizedException } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import { type AuthUser, type ClientInfo } from '../access/access.types.js';
import { PrismaService } from '../database/prisma.service.js';
import { Transactions } from '../database/transactions.js';
import { type Prisma } from '../generated/prisma/client.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { MfaChallenges } from './mfa-challenges.service.js';
import { newRecoveryCodes, recoveryCodeHash } from './recovery-codes.js';
import { checkOneProof, SecondFactor, type SecondFactorProof } from './second-factor.service.js';
import { newTotpSecret, otpauthUrl } from './totp.js';

const WRONG_CODE = 'wrong code';
const NOT_ENABLED = 'TOTP is not enabled';
const ALREADY_ENABLED = 'TOTP is already enabled';

/**
 * Enrolment and removal of the TOTP second factor. Each change locks the user's row first, so that
 * concurrent changes of one user's factor run one after the other; the revocations it makes are told to
 * every instance after the commit.
 */
@Injectable()
export class MfaService {
  private readonly logger = new Logger('Mfa');

  constructor(
    private readonly prisma: PrismaService,
    private readonly transactions: Transactions,
    private readonly sessions: SessionsService,
    private readonly audit: AuditService,
    private readonly factor: SecondFactor,
    private readonly challenges: MfaChallenges,
  ) {}

  /** A new secret (replacing an unfinished enrolment); 409 when TOTP is already on. */
  async setup(user: AuthUser): Promise<{ secret: string; otpauthUrl: string }> {
    return this.prisma.$transaction(async (tx) => {
      const account = await lockUser(tx, user.id);
      if (!account) throw new UnauthorizedException('invalid or missing access token');
      if (account.mfaEnabled) throw new ConflictException(ALREADY_ENABLED);
      const secret = newTotpSecret();
      const secretCiphertext = this.factor.seal(user.id, secret);
      await tx.totpFactor.upsert({
        where: { userId: user.id },
        create: { userId: user.id, secretCiphertext },
        update: { secretCiphertext, lastUsedStep: null, createdAt: new Date() },
        select: { userId: true },
      });
      return { secret, otpauthUrl: otpauthUrl(account.email, secret) };
    });
  }

  /**
   * Turns TOTP on with a first code: recovery codes made, the other sessions revoked, this session
   * second-factor verified. 409 (already on) wins over 400 (wrong code, no enrolment).
   */
  async enable(user: AuthUser, code: string, client: ClientInfo): Promise<{ recoveryCodes: string[] }> {
    const { recoveryCodes, revoked } = await this.transactions.run(async (transaction) => {
      const tx = transaction.db;
      const account = await lockUser(tx, user.id);
      if (!account) throw new UnauthorizedException('invalid or missing access token');
      if (account.mfaEnabled) throw new ConflictException(ALREADY_ENABLED);
      if (!(await this.factor.consumeCode(user.id, code, tx))) throw new BadRequestException('wrong code, or no enrolment started');
      await tx.user.update({ where: { id: user.id }, data: { mfaEnabled: true }, select: { id: true } });
      const recoveryCodes = await this.replaceRecoveryCodes(user.id, tx);
      await this.sessions.markMfaVerified(user.sessionId, transaction);
      const revoked = await this.sessions.revokeAllOfUser(user.id, transaction, { keep: user.sessionId });
      await this.audit.record(
        { type: 'mfa.enabled', userId: user.id, sessionId: user.sessionId, ...client, detail: { sessionsRevoked: revoked } },
        tx,
      );
      return { recoveryCodes, revoked };
    });
    this.logger.log({ event: 'mfa.enabled', userId: user.id, sessionId: user.sessionId, revoked });
    return { recoveryCodes };
  }

  /** Turns TOTP off with a code or a recovery code: factor and recovery codes deleted, other sessions revoked. */
  async disable(user: AuthUser, proof: SecondFactorProof, client: ClientInfo): Promise<void> {
    checkOneProof(proof);
    const revoked = await this.transactions.run(async (transaction) => {
      const tx = transaction.db;
      const account = await lockUser(tx, user.id);
      if (!account) throw new UnauthorizedException('invalid or missing access token');
      if (!account.mfaEnabled) throw new ConflictException(NOT_ENABLED);
      const method = await this.factor.consume(user.id, proof, tx);
      if (!method) throw new BadRequestException(WRONG_CODE);
      await this.removeFactor(user.id, tx);
      const revoked = await this.sessions.revokeAllOfUser(user.id, transaction, { keep: user.sessionId });
      await this.audit.record(
        { type: 'mfa.disabled', userId: user.id, sessionId: user.sessionId, ...client, detail: { method, sessionsRevoked: revoked } },
        tx,
      );
      return revoked;
    });
    this.logger.log({ event: 'mfa.disabled', userId: user.id, sessionId: user.sessionId, revoked });
  }

  /** A new set of recovery codes (the old set stops working), with a code. */
  async regenerateRecoveryCodes(user: AuthUser, code: string, client: ClientInfo): Promise<{ recoveryCodes: string[] }> {
    const recoveryCodes = await this.prisma.$transaction(async (tx) => {
      const account = await lockUser(tx, user.id);
      if (!account) throw new UnauthorizedException('invalid or missing access token');
      if (!account.mfaEnabled) throw new ConflictException(NOT_ENABLED);
      if (!(await this.factor.consumeCode(user.id, code, tx))) throw new BadRequestException(WRONG_CODE);
      const recoveryCodes = await this.replaceRecoveryCodes(user.id, tx);
      await this.audit.record({ type: 'mfa.recovery_regenerated', userId: user.id, sessionId: user.sessionId, ...client }, tx);
      return recoveryCodes;
    });
    this.logger.log({ event: 'mfa.recovery_regenerated', userId: user.id, sessionId: user.sessionId });
    return { recoveryCodes };
  }

  /** An admin removes a user's second factor (lost phone and codes): every session of the user is revoked. */
  async removeByAdmin(userId: number, adminId: number, client: ClientInfo): Promise<void> {
    const revoked = await this.transactions.run(async (transaction) => {
      const tx = transaction.db;
      const account = await lockUser(tx, userId);
      if (!account) throw new NotFoundException('user not found');
      if (!account.mfaEnabled) throw new ConflictException('the user has no second factor');
      await this.removeFactor(userId, tx);
      const revoked = await this.sessions.revokeAllOfUser(userId, transaction);
      await this.audit.record({ type: 'user.mfa_removed', userId, actorId: adminId, ...client, detail: { sessionsRevoked: revoked } }, tx);
      return revoked;
    });
    this.logger.log({ event: 'user.mfa_removed', userId, by: adminId, revoked });
  }

  private async removeFactor(userId: number, tx: Prisma.TransactionClient): Promise<void> {
    await tx.user.update({ where: { id: userId }, data: { mfaEnabled: false }, select: { id: true } });
    await tx.totpFactor.deleteMany({ where: { userId } });
    await tx.recoveryCode.deleteMany({ where: { userId } });
    await this.challenges.dropAllOfUser(userId, tx);
  }

  private async replaceRecoveryCodes(userId: number, tx: Prisma.TransactionClient): Promise<string[]> {
    const codes = newRecoveryCodes();
    await tx.recoveryCode.deleteMany({ where: { userId } });
    await tx.recoveryCode.createMany({ data: codes.map((code) => ({ userId, codeHash: recoveryCodeHash(code) })) });
    return codes;
  }
}

/** Locks the user's row for the transaction: concurrent factor changes of one user queue behind it. */
async function lockUser(tx: Prisma.TransactionClient, id: number): Promise<{ email: string; mfaEnabled: boolean } | undefined> {
  const [row] = await tx.$queryRaw<
    { email: string; mfaEnabled: boolean }[]
  >`SELECT email, mfa_enabled AS "mfaEnabled" FROM users WHERE id = ${id} FOR UPDATE`;
  return row;
}
