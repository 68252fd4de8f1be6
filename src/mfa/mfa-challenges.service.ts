import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { PrismaService } from '../database/prisma.service.js';
import { type Prisma } from '../generated/prisma/client.js';

/** An mfaToken lives 5 minutes, and dies after 5 codes tried (so 5 wrong ones) or one success. */
export const MFA_TOKEN_TTL_SECONDS = 5 * 60;
export const MFA_TOKEN_MAX_ATTEMPTS = 5;
const CLEANUP_INTERVAL_MS = 60 * 60 * 1000;

export interface PendingChallenge {
  id: string;
  userId: number;
  email: string;
}

function hashOf(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function liveAt(now: Date) {
  return { usedAt: null, expiresAt: { gt: now }, attempts: { lt: MFA_TOKEN_MAX_ATTEMPTS } };
}

/** The one owner of mfa_challenges: the second step of a sign-in, between the password and the code. */
@Injectable()
export class MfaChallenges {
  private readonly logger = new Logger('MfaChallenges');

  constructor(private readonly prisma: PrismaService) {}

  /** A new mfaToken for the user (random, 256 bits; stored as its SHA-256). */
  async issue(userId: number): Promise<{ mfaToken: string; expiresIn: number }> {
    const mfaToken = randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + MFA_TOKEN_TTL_SECONDS * 1000);
    await this.prisma.mfaChallenge.create({
      data: { id: randomUUID(), userId, tokenHash: hashOf(mfaToken), expiresAt },
      select: { id: true },
    });
    return { mfaToken, expiresIn: MFA_TOKEN_TTL_SECONDS };
  }

  /** The live challenge the token names (not used, not expired, fewer than 5 codes tried), or null. */
  async findLive(mfaToken: string): Promise<PendingChallenge | null> {
    const challenge = await this.prisma.mfaChallenge.findFirst({
      where: { tokenHash: hashOf(mfaToken), ...liveAt(new Date()) },
      select: { id: true, userId: true, user: { select: { email: true } } },
    });
    return challenge ? { id: challenge.id, userId: challenge.userId, email: challenge.user.email } : null;
  }

  /**
   * Counts one code tried, before it is checked (committed on its own): false when the token is dead. Of
   * concurrent tries at most the remaining ones get through, so no burst checks more than 5 codes.
   */
  async reserveAttempt(id: string): Promise<boolean> {
    const { count } = await this.prisma.mfaChallenge.updateMany({
      where: { id, ...liveAt(new Date()) },
      data: { attempts: { increment: 1 } },
    });
    return count === 1;
  }

  /** Uses the challenge up in the caller's transaction; false when a concurrent success used it first. */
  async consume(id: string, tx: Prisma.TransactionClient): Promise<boolean> {
    const { count } = await tx.mfaChallenge.updateMany({ where: { id, usedAt: null }, data: { usedAt: new Date() } });
    return count === 1;
  }

  /** Every pending challenge of the user (its second factor was removed). */
  async dropAllOfUser(userId: number, tx: Prisma.TransactionClient): Promise<void> {
    await tx.mfaChallenge.deleteMany({ where: { userId } });
  }

  /** Hourly: challenges that can no longer be used. */
  @Interval(CLEANUP_INTERVAL_MS)
  async purgeDead(now = new Date()): Promise<number> {
    try {
      const { count } = await this.prisma.mfaChallenge.deleteMany({
        where: { OR: [{ usedAt: { not: null } }, { expiresAt: { lte: now } }, { attempts: { gte: MFA_TOKEN_MAX_ATTEMPTS } }] },
      });
      return count;
    } catch (error) {
      this.logger.warn(`mfa challenge clean-up failed: ${(error as Error).message}`);
      return 0;
    }
  }
}
