import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import { type ClientInfo } from '../auth/auth.types.js';
import { PrismaService } from '../database/prisma.service.js';
import { type Prisma } from '../generated/prisma/client.js';
import { type Role } from '../generated/prisma/enums.js';
import { LiveSessionCache, type LiveSessionUser } from './live-session-cache.js';

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
  /** Opened with a second factor: its access tokens carry amr ["pwd", "otp"]. */
  mfaVerified?: boolean;
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

/** A live session: not revoked, its refresh token not expired, before its absolute end. */
function liveAt(now: Date) {
  return { revokedAt: null, refreshExpiresAt: { gt: now }, expiresAt: { gt: now } };
}

/** Database operations on sessions (one per signed-in device). */
@Injectable()
export class SessionsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly cache: LiveSessionCache,
    private readonly audit: AuditService,
  ) {}

  async create(session: NewSession, db: Db = this.prisma): Promise<void> {
    await db.session.create({ data: session });
  }

  findWithUser(id: string): Promise<SessionWithUser | null> {
    return this.prisma.session.findUnique({ where: { id }, include: { user: { select: { id: true, role: true } } } });
  }

  /**
   * The user behind a live session, for the access-token check on every request: null when the
   * session is revoked, past its absolute end, or gone with its user. Served from the LiveSessionCache
   * when it can be (revocations reach it at once through LISTEN/NOTIFY), else one read.
   */
  async findActiveUser(sessionId: string): Promise<LiveSessionUser | null> {
    const cached = this.cache.get(sessionId);
    if (cached) return cached;
    const epoch = this.cache.currentEpoch();
    // A hot path: plain pg on Prisma's pool (see UsersService.readPublicUser).
    const { rows } = await this.prisma.pool.query<{ id: number; role: Role; expires_at: Date }>(
      `SELECT u.id, u.role, s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id
       WHERE s.id = $1 AND s.revoked_at IS NULL AND s.expires_at > now()`,
      [sessionId],
    );
    if (rows.length === 0) return null;
    const user = { id: rows[0].id, role: rows[0].role, sessionEnd: rows[0].expires_at.getTime() };
    this.cache.set(sessionId, user, epoch);
    return user;
  }

  /**
   * Call after a revocation committed: returns once every instance has been told (see LiveSessionCache),
   * so the revoked access tokens are refused everywhere by the time the caller answers.
   */
  afterRevocation(): Promise<void> {
    return this.cache.sync();
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
    return this.prisma.session.findMany({
      where: { userId, ...liveAt(new Date()) },
      orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
      select: LIVE_SESSION_SELECT,
    });
  }

  /** Revokes one live session of the user, with its event; false when no such session belongs to them. */
  async revokeOwn(userId: number, id: string, client: ClientInfo): Promise<boolean> {
    const now = new Date();
    const count = await this.prisma.$transaction(async (tx) => {
      const { count } = await tx.session.updateMany({
        where: { id, userId, ...liveAt(now) },
        data: { revokedAt: now },
      });
      if (count > 0) await this.audit.record({ type: 'session.revoked', userId, sessionId: id, ...client }, tx);
      return count;
    });
    if (count > 0) await this.afterRevocation();
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

  /**
   * The common refresh in one statement: rotates when the session holds `presentedHash`, is live, and
   * lives at least until the new token's expiry (so no cap applies). Returns what the new access token
   * needs, or null: then the caller takes the general path (cap, grace window, reuse).
   */
  async rotateUncapped(id: string, userId: number, presentedHash: string, next: Rotation): Promise<{ role: Role; expiresAt: Date; mfaVerified: boolean } | null> {
    // A hot path: plain pg on Prisma's pool (see UsersService.readPublicUser).
    const { rows } = await this.prisma.pool.query<{ role: Role; expires_at: Date; mfa_verified: boolean }>(
      `UPDATE sessions AS s
       SET token_hash = $1, previous_token_hash = s.token_hash, token_id = $2, generation = s.generation + 1,
           rotated_at = $3, refresh_expires_at = $4, last_used_at = now()
       FROM users AS u
       WHERE s.id = $5 AND s.user_id = $6 AND u.id = s.user_id AND s.token_hash = $7
         AND s.revoked_at IS NULL AND s.expires_at >= $4
       RETURNING u.role, s.expires_at, s.mfa_verified`,
      [next.tokenHash, next.tokenId, next.rotatedAt, next.refreshExpiresAt, id, userId, presentedHash],
    );
    return rows.length === 1 ? { role: rows[0].role, expiresAt: rows[0].expires_at, mfaVerified: rows[0].mfa_verified } : null;
  }

  /** The session verified a second factor (enabling TOTP in it): its next tokens carry amr ["pwd", "otp"]. */
  async markMfaVerified(id: string, tx: Prisma.TransactionClient): Promise<void> {
    await tx.session.updateMany({ where: { id }, data: { mfaVerified: true } });
  }

  /**
   * Revokes the session inside the caller's transaction; true when this call revoked it. The caller
   * calls afterRevocation() once the transaction has committed.
   */
  async revoke(id: string, tx: Prisma.TransactionClient): Promise<boolean> {
    const { count } = await tx.session.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: new Date() } });
    return count > 0;
  }

  /**
   * Revokes every live session of the user, except `keep` when given. Returns how many. Inside a
   * transaction (`db`), the caller calls afterRevocation() once it has committed.
   */
  async revokeAllOfUser(userId: number, options: { keep?: string; db?: Db } = {}): Promise<number> {
    const db = options.db ?? this.prisma;
    const { count } = await db.session.updateMany({
      where: { userId, revokedAt: null, ...(options.keep ? { id: { not: options.keep } } : {}) },
      data: { revokedAt: new Date() },
    });
    if (!options.db && count > 0) await this.afterRevocation();
    return count;
  }
}
