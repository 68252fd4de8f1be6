import { Injectable, Logger, UnauthorizedException } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import { Transactions } from '../database/transactions.js';
import { MfaChallenges } from '../mfa/mfa-challenges.service.js';
import { checkOneProof, SecondFactor, type SecondFactorProof } from '../mfa/second-factor.service.js';
import { type ClientInfo } from '../access/access.types.js';
import { AuthService } from './auth.service.js';
import { type AuthResponseDto } from './dto/token-pair.dto.js';

const INVALID_SECOND_FACTOR = 'invalid code or mfaToken';

/** Thrown inside the transaction so that nothing of it stays: the challenge and the code stay unused. */
class WrongSecondFactor extends Error {}

/**
 * The second step of a sign-in with TOTP: the mfaToken from the password step and a code (or a recovery
 * code) open the session, with amr ["pwd", "otp"]. Each try counts as a sign-in attempt of the account's
 * email from this client (429 once locked), and as one of the token's 5 tries; both stay counted when the
 * code is wrong.
 */
@Injectable()
export class MfaSigninService {
  private readonly logger = new Logger('Auth');

  constructor(
    private readonly auth: AuthService,
    private readonly challenges: MfaChallenges,
    private readonly factor: SecondFactor,
    private readonly transactions: Transactions,
    private readonly audit: AuditService,
  ) {}

  async complete(body: SecondFactorProof & { mfaToken: string }, client: ClientInfo): Promise<AuthResponseDto> {
    checkOneProof(body);
    const challenge = await this.challenges.findLive(body.mfaToken);
    if (!challenge) throw new UnauthorizedException(INVALID_SECOND_FACTOR);
    const attempt = await this.auth.beginAttempt(challenge.email, client, { userId: challenge.userId });
    let reserved: boolean;
    try {
      reserved = await this.challenges.reserveAttempt(challenge.id);
    } catch (error) {
      await attempt.release(); // the database failed, not the client
      throw error;
    }
    if (!reserved) {
      await attempt.release(); // no code was checked: the token died meanwhile
      throw new UnauthorizedException(INVALID_SECOND_FACTOR);
    }
    let response: AuthResponseDto;
    try {
      response = await this.transactions.run(async (transaction) => {
        const tx = transaction.db;
        if (!(await this.challenges.consume(challenge.id, tx))) throw new WrongSecondFactor('the mfaToken died meanwhile');
        const method = await this.factor.consume(challenge.userId, body, tx);
        const user =
          method &&
          (await tx.user.findUnique({ where: { id: challenge.userId }, select: { id: true, email: true, role: true, mfaEnabled: true } }));
        if (!user?.mfaEnabled) throw new WrongSecondFactor('wrong code');
        if (method === 'recovery_code') {
          const remaining = await tx.recoveryCode.count({ where: { userId: user.id, usedAt: null } });
          await this.audit.record({ type: 'mfa.recovery_used', userId: user.id, ...client, detail: { remaining } }, tx);
        }
        const tokens = await this.auth.openSession(user, client, 'signin', transaction, true);
        return { id: user.id, email: user.email, role: user.role, ...tokens };
      });
    } catch (error) {
      if (!(error instanceof WrongSecondFactor)) {
        await attempt.release(); // the database failed, not the client
        throw error;
      }
      await this.audit.recordStandalone({
        type: 'signin.mfa_failed',
        userId: challenge.userId,
        ...client,
        detail: { method: body.code === undefined ? 'recovery_code' : 'totp' },
      });
      this.logger.log({ event: 'signin.mfa_failed', userId: challenge.userId, ip: client.ip });
      throw new UnauthorizedException(INVALID_SECOND_FACTOR);
    }
    await attempt.release();
    return response;
  }
}
