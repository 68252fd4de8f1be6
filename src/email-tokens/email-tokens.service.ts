import { createHash, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { PrismaService } from '../database/prisma.service.js';
import { type Prisma } from '../generated/prisma/client.js';
import { EmailTokenPurpose } from '../generated/prisma/enums.js';

export { EmailTokenPurpose };

/** 256 random bits, URL-safe: it travels in a link. */
export function newEmailToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashEmailToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * The one owner of the email_tokens table: tokens sent in email links, stored only as their hash. A token
 * is used by deleting its row (the claim), so of two concurrent uses of one token exactly one succeeds.
 */
@Injectable()
export class EmailTokens {
  constructor(private readonly prisma: PrismaService) {}

  /** A new token for the user; the user's earlier tokens of that purpose stop working. Returns the token. */
  async issue(
    userId: number,
    purpose: EmailTokenPurpose,
    ttlSeconds: number,
    tx: Prisma.TransactionClient,
    options: { resent?: boolean } = {},
  ): Promise<{ token: string; expiresAt: Date }> {
    await this.discard(userId, [purpose], tx);
    const token = newEmailToken();
    const expiresAt = new Date(Date.now() + ttlSeconds * 1000);
    await tx.emailToken.create({
      data: { userId, purpose, tokenHash: hashEmailToken(token), expiresAt, resent: options.resent ?? false },
      select: { id: true },
    });
    return { token, expiresAt };
  }

  /** The user a live token belongs to, without using it (so that a bad token costs no password hashing). */
  async peek(token: string, purpose: EmailTokenPurpose): Promise<number | null> {
    const row = await this.prisma.emailToken.findFirst({
      where: { tokenHash: hashEmailToken(token), purpose, expiresAt: { gt: new Date() } },
      select: { userId: true },
    });
    return row?.userId ?? null;
  }

  /** Uses a live token: deletes it and returns its user, or null when it is unknown, expired or already used. */
  async claim(token: string, purpose: EmailTokenPurpose, tx: Prisma.TransactionClient): Promise<number | null> {
    const rows = await tx.$queryRaw<{ user_id: number }[]>`
      DELETE FROM email_tokens
       WHERE token_hash = ${hashEmailToken(token)} AND purpose = ${purpose}::"EmailTokenPurpose" AND expires_at > now()
      RETURNING user_id`;
    return rows[0]?.user_id ?? null;
  }

  /** Makes every token of these purposes of the user unusable, within the change's transaction. */
  async discard(userId: number, purposes: EmailTokenPurpose[], tx: Prisma.TransactionClient): Promise<void> {
    await tx.emailToken.deleteMany({ where: { userId, purpose: { in: purposes } } });
  }

  /** When the user's newest token of this purpose was issued (only resent ones, with `resentOnly`). */
  async lastIssuedAt(
    userId: number,
    purpose: EmailTokenPurpose,
    tx: Prisma.TransactionClient,
    options: { resentOnly?: boolean } = {},
  ): Promise<Date | null> {
    const row = await tx.emailToken.findFirst({
      where: { userId, purpose, ...(options.resentOnly ? { resent: true } : {}) },
      orderBy: { createdAt: 'desc' },
      select: { createdAt: true },
    });
    return row?.createdAt ?? null;
  }

  async purgeExpired(): Promise<number> {
    const { count } = await this.prisma.emailToken.deleteMany({ where: { expiresAt: { lte: new Date() } } });
    return count;
  }
}
