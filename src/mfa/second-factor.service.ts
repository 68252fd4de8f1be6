import { BadRequestException, Inject, Injectable, Logger } from '@nestjs/common';
import { type Prisma } from '../generated/prisma/client.js';
import { recoveryCodeHash } from './recovery-codes.js';
import { SecretBox } from './secret-box.js';
import { totpStepOf } from './totp.js';

export const MFA_SECRET_BOX = Symbol('MFA_SECRET_BOX');

export type SecondFactorMethod = 'totp' | 'recovery_code';

/** A code or a recovery code, as a request gave it (exactly one). */
export interface SecondFactorProof {
  code?: string;
  recoveryCode?: string;
}

/** The ciphertext is bound to its user: a secret copied to another row does not open. */
export function secretAssociatedData(userId: number): string {
  return `totp:${userId}`;
}

/** 400 unless exactly one of the two is given. */
export function checkOneProof(proof: SecondFactorProof): void {
  if ((proof.code === undefined) === (proof.recoveryCode === undefined)) throw new BadRequestException('give either code or recoveryCode');
}

/**
 * Checks and uses up a second factor inside the caller's transaction. Each check is one conditional
 * UPDATE, so of concurrent requests with one code (or one recovery code) exactly one succeeds: the
 * others wait for its row lock and then no longer match.
 */
@Injectable()
export class SecondFactor {
  private readonly logger = new Logger('Mfa');

  constructor(@Inject(MFA_SECRET_BOX) private readonly box: SecretBox) {}

  async consume(userId: number, proof: SecondFactorProof, tx: Prisma.TransactionClient): Promise<SecondFactorMethod | null> {
    if (proof.code !== undefined) return (await this.consumeCode(userId, proof.code, tx)) ? 'totp' : null;
    if (proof.recoveryCode !== undefined) return (await this.consumeRecoveryCode(userId, proof.recoveryCode, tx)) ? 'recovery_code' : null;
    return null;
  }

  /** True when the code is right and of a later time step than the last code accepted (no replay). */
  async consumeCode(userId: number, code: string, tx: Prisma.TransactionClient): Promise<boolean> {
    const factor = await tx.totpFactor.findUnique({ where: { userId }, select: { secretCiphertext: true } });
    if (!factor) return false;
    const secret = this.secretOf(userId, factor.secretCiphertext);
    const step = secret === null ? null : totpStepOf(secret, code);
    if (step === null) return false;
    const { count } = await tx.totpFactor.updateMany({
      where: { userId, OR: [{ lastUsedStep: null }, { lastUsedStep: { lt: step } }] },
      data: { lastUsedStep: step },
    });
    return count === 1;
  }

  async consumeRecoveryCode(userId: number, code: string, tx: Prisma.TransactionClient): Promise<boolean> {
    const { count } = await tx.recoveryCode.updateMany({
      where: { userId, codeHash: recoveryCodeHash(code), usedAt: null },
      data: { usedAt: new Date() },
    });
    return count === 1;
  }

  seal(userId: number, secret: string): string {
    return this.box.seal(secret, secretAssociatedData(userId));
  }

  private secretOf(userId: number, ciphertext: string): string | null {
    try {
      return this.box.open(ciphertext, secretAssociatedData(userId));
    } catch {
      // MFA_ENCRYPTION_KEY changed or the row was altered: every code is wrong until an admin removes the factor.
      this.logger.error({ event: 'mfa.secret_unreadable', userId, msg: 'a TOTP secret does not decrypt with MFA_ENCRYPTION_KEY' });
      return null;
    }
  }
}
