import { Injectable } from '@nestjs/common';
import { PrismaService } from '../database/prisma.service.js';
import { type Prisma } from '../generated/prisma/client.js';
import { type Role } from '../generated/prisma/enums.js';

/** A session row with what a refresh needs to know about its user. */
export type SessionWithUser = Prisma.SessionGetPayload<{ include: { user: { select: { id: true; role: true } } } }>;

export interface NewSession {
  id: string;
  userId: number;
  tokenHash: string;
  tokenId: string;
  rotatedAt: Date;
  refreshExpiresAt: Date;
  expiresAt: Date;
  userAgent: string | undefined;
  ip: string | undefined;
}

/** The state a rotation moves a session to. */
export interface Rotation {
  tokenHash: string;
  tokenId: string;
  rotatedAt: Date;
  refreshExpiresAt: Date;
}

type Db = Prisma.TransactionClient | PrismaService;

const LIVE_SESSION_SELECT = {
  id: true,
  createdAt: true,
  lastUsedAt: true,
  refreshExpiresAt: true,
  userAgent: true,
  ip: true,
} as const;

export type LiveSession = Prisma.SessionGetPayload<{ select: typeof LIVE_SESSION_SELECT }>;

/** Database operations on sessions (one per signed-in device). */
@Injectable()
export class SessionsService {
  constructor(private readonly prisma: PrismaService) {}

  async create(session: NewSession): Promise<void> {
    await this.prisma.session.create({ data: session });
  }

  findWithUser(id: string): Promise<SessionWithUser | null> {
    return this.prisma.session.findUnique({ where: { id }, include: { user: { select: { id: true, role: true } } } });
  }

  /**
   * The user behind a live session, for the access-token check on every request: null when the
   * session is revoked, past its absolute end, or gone with its user.
   */
  async findActiveUser(sessionId: string): Promise<{ id: number; role: Role } | null> {
    const session = await this.prisma.session.findFirst({
      where: { id: sessionId, revokedAt: null, expiresAt: { gt: new Date() } },
      select: { user: { select: { id: true, role: true } } },
    });
    return session?.user ?? null;
  }

  /**
   * Rotates atomically: succeeds only if the session still holds `presentedHash` and is live.
   * Of N concurrent rotations of one token, exactly one succeeds.
   */
  async rotate(id: string, presentedHash: string, next: Rotation): Promise<boolean> {
    const { count } = await this.prisma.session.updateMany({
      where: { id, tokenHash: presentedHash, revokedAt: null },
      data: {
        ...next,
        previousTokenHash: presentedHash,
        generation: { increment: 1 },
        lastUsedAt: new Date(),
      },
    });
    return count === 1;
  }

  /** The user's live sessions (not revoked, not expired), newest first. */
  listLive(userId: number): Promise<LiveSession[]> {
    const now = new Date();
    return this.prisma.session.findMany({
      where: { userId, revokedAt: null, refreshExpiresAt: { gt: now }, expiresAt: { gt: now } },
      orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
      select: LIVE_SESSION_SELECT,
    });
  }

  /** Revokes one live session of the user; false when no such session belongs to them. */
  async revokeOwn(userId: number, id: string): Promise<boolean> {
    const now = new Date();
    const { count } = await this.prisma.session.updateMany({
      where: { id, userId, revokedAt: null, refreshExpiresAt: { gt: now }, expiresAt: { gt: now } },
      data: { revokedAt: now },
    });
    return count === 1;
  }

  /**
   * Deletes dead sessions: revoked, or past their refresh token's expiry (which never comes after
   * the absolute end). A refresh token of a deleted session is refused like a revoked one.
   */
  async purgeDead(now = new Date()): Promise<number> {
    const { count } = await this.prisma.session.deleteMany({
      where: { OR: [{ revokedAt: { not: null } }, { refreshExpiresAt: { lte: now } }, { expiresAt: { lte: now } }] },
    });
    return count;
  }

  async revoke(id: string): Promise<void> {
    await this.prisma.session.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: new Date() } });
  }

  /** Revokes every live session of the user, except `keep` when given. Returns how many. */
  async revokeAllOfUser(userId: number, options: { keep?: string; db?: Db } = {}): Promise<number> {
    const db = options.db ?? this.prisma;
    const { count } = await db.session.updateMany({
      where: { userId, revokedAt: null, ...(options.keep ? { id: { not: options.keep } } : {}) },
      data: { revokedAt: new Date() },
    });
    return count;
  }
}
