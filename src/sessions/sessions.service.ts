import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import { type ClientInfo } from '../access/access.types.js';
import { Clock } from '../clock/clock.js';
import { PrismaService } from '../database/prisma.service.js';
import { Transactions, type Transaction } from '../database/transactions.js';
import { Prisma } from '../generated/prisma/client.js';
import { type Role } from '../generated/prisma/enums.js';
import { LiveSessionCache, type LiveSessionUser } from './live-session-cache.js';

/** A live session with what a refresh needs to know about its user. */
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

/** The state a rotation moves a session to; `rotatedAt` is the time of the rotation (the clock's now). */
export interface Rotation {
  tokenHash: string;
  tokenId: string;
  rotatedAt: Date;
  refreshExpiresAt: Date;
}

const LIVE_SESSION_SELECT = {
  id: true,
  createdAt: true,
  lastUsedAt: true,
  refreshExpiresAt: true,
  userAgent: true,
  ip: true,
} as const;

export type LiveSession = Prisma.SessionGetPayload<{ select: typeof LIVE_SESSION_SELECT }>;

/**
 * The one definition of a live session: not revoked, before its absolute end (SESSION_MAX_AGE), and its
 * current refresh token not expired (the inactivity timeout). `now` always comes from the Clock, also in
 * SQL (`liveSql`), so that one clock decides. Its refresh token's expiry never comes after the absolute
 * end, and a refresh token's own `exp` never after its session's current one, so a refresh token that
 * passes its signature check names a session whose refresh expiry has not passed either. For the access
 * check the refresh expiry matters only when JWT_ACCESS_TTL exceeds JWT_REFRESH_TTL: such an access token
 * ends with the inactivity timeout (before, it lasted until the hourly clean-up deleted its session).
 */
function liveAt(now: Date) {
  return { revokedAt: null, expiresAt: { gt: now }, refreshExpiresAt: { gt: now } } satisfies Prisma.SessionWhereInput;
}

/** `liveAt` for a statement written in SQL, on the sessions table aliased `s`, the time being its parameter `$<nowParameter>`. */
function liveSql(nowParameter: number): string {
  return `s.revoked_at IS NULL AND s.expires_at > $${nowParameter} AND s.refresh_expires_at > $${nowParameter}`;
}

/** After-commit key: several revocations in one transaction tell the other instances once. */
const REVOCATION_SYNC = 'sessions:revocation-sync';

/**
 * The one owner of the sessions table (one row per signed-in device): every statement on it, its notion
 * of a live session, and revocation (which always tells the other instances once it has committed).
 */
@Injectable()
export class SessionsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly transactions: Transactions,
    private readonly cache: LiveSessionCache,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  /** Opens a session in the caller's transaction; it was last used when its first token was issued. */
  async create(session: NewSession, transaction: Transaction): Promise<void> {
    await transaction.db.session.create({
      data: { ...session, createdAt: session.rotatedAt, lastUsedAt: session.rotatedAt },
      select: { id: true },
    });
  }

  /** The session if it is live and belongs to `userId`, with its user (the refresh's general path). */
  findLive(id: string, userId: number): Promise<SessionWithUser | null> {
    return this.prisma.session.findFirst({
      where: { id, userId, ...liveAt(this.clock.now()) },
      include: { user: { select: { id: true, role: true } } },
    });
  }

  /**
   * The user behind a live session, for the access-token check on every request: null when the
   * session is not live or is gone with its user. Served from the LiveSessionCache when it can be
   * (revocations reach it at once through LISTEN/NOTIFY), else one read.
   */
  async findActiveUser(sessionId: string): Promise<LiveSessionUser | null> {
    const cached = this.cache.get(sessionId);
    if (cached) return cached;
    const epoch = this.cache.currentEpoch();
    const session = await this.prisma.session.findFirst({
      where: { id: sessionId, ...liveAt(this.clock.now()) },
      select: { expiresAt: true, refreshExpiresAt: true, user: { select: { id: true, role: true, mfaEnabled: true } } },
    });
    if (!session) return null;
    const liveUntil = Math.min(session.expiresAt.getTime(), session.refreshExpiresAt.getTime());
    const user = { id: session.user.id, role: session.user.role, mfaEnabled: session.user.mfaEnabled, liveUntil };
    this.cache.set(sessionId, user, epoch);
    return user;
  }

  /**
   * Rotates atomically: succeeds only if the session is live and still holds `presentedHash`.
   * Of N concurrent rotations of one token, exactly one succeeds.
   */
  async rotate(id: string, presentedHash: string, next: Rotation): Promise<boolean> {
    const { count } = await this.prisma.session.updateMany({
      where: { id, tokenHash: presentedHash, ...liveAt(next.rotatedAt) },
      data: { ...next, previousTokenHash: presentedHash, generation: { increment: 1 }, lastUsedAt: next.rotatedAt },
    });
    return count === 1;
  }

  /**
   * The common refresh in one statement: rotates when the session is live, holds `presentedHash`, and
   * lives at least until the new token's expiry (so no cap applies). Returns what the new access token
   * needs, or null: then the caller takes the general path (cap, grace window, reuse). SQL because the
   * query builder cannot update one table and return a column of another in one statement; plain `pg` on the
   * pool because Prisma's client-side work cost more than the statement (bench/README.md, "Choices").
   */
  async rotateUncapped(
    id: string,
    userId: number,
    presentedHash: string,
    next: Rotation,
  ): Promise<{ role: Role; expiresAt: Date; mfaVerified: boolean } | null> {
    const now = next.rotatedAt;
    const { rows } = await this.prisma.pool.query<{ role: Role; expires_at: Date; mfa_verified: boolean }>(
      `UPDATE sessions AS s
      SET token_hash = $1, previous_token_hash = s.token_hash, token_id = $2::uuid,
          generation = s.generation + 1, rotated_at = $3, refresh_expires_at = $4, last_used_at = $3
      FROM users AS u
      WHERE s.id = $5::uuid AND s.user_id = $6 AND u.id = s.user_id AND s.token_hash = $7
        AND ${liveSql(3)} AND s.expires_at >= $4
      RETURNING u.role, s.expires_at, s.mfa_verified`,
      [next.tokenHash, next.tokenId, now, next.refreshExpiresAt, id, userId, presentedHash],
    );
    return rows.length === 1 ? { role: rows[0].role, expiresAt: rows[0].expires_at, mfaVerified: rows[0].mfa_verified } : null;
  }

  /** The session verified a second factor (enabling TOTP in it): its next tokens carry amr ["pwd", "otp"]. */
  async markMfaVerified(id: string, transaction: Transaction): Promise<void> {
    await transaction.db.session.updateMany({ where: { id }, data: { mfaVerified: true } });
  }

  /** The user's live sessions, newest first. */
  listLive(userId: number): Promise<LiveSession[]> {
    return this.prisma.session.findMany({
      where: { userId, ...liveAt(this.clock.now()) },
      orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
      select: LIVE_SESSION_SELECT,
    });
  }

  /** Revokes one live session of the user, with its event; false when no such session belongs to them. */
  revokeOwn(userId: number, id: string, client: ClientInfo): Promise<boolean> {
    return this.transactions.run(async (transaction) => {
      const now = this.clock.now();
      const { count } = await transaction.db.session.updateMany({ where: { id, userId, ...liveAt(now) }, data: { revokedAt: now } });
      if (count === 0) return false;
      this.syncAfterCommit(transaction);
      await this.audit.record({ type: 'session.revoked', userId, sessionId: id, ...client }, transaction.db);
      return true;
    });
  }

  /**
   * Revokes the session in the caller's transaction; true when this call revoked it. Only "not yet
   * revoked" is checked: revoking a session that has just expired is harmless (the caller found it live).
   * Every instance is told once the transaction has committed.
   */
  async revoke(id: string, transaction: Transaction): Promise<boolean> {
    const { count } = await transaction.db.session.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: this.clock.now() } });
    if (count > 0) this.syncAfterCommit(transaction);
    return count > 0;
  }

  /**
   * Revokes every session of the user not yet revoked, except `keep` when given, in the caller's
   * transaction; returns how many. Every instance is told once the transaction has committed.
   */
  async revokeAllOfUser(userId: number, transaction: Transaction, options: { keep?: string } = {}): Promise<number> {
    const { count } = await transaction.db.session.updateMany({
      where: { userId, revokedAt: null, ...(options.keep ? { id: { not: options.keep } } : {}) },
      data: { revokedAt: this.clock.now() },
    });
    if (count > 0) this.syncAfterCommit(transaction);
    return count;
  }

  /** Deletes the sessions that are no longer live (the complement of `liveAt`); returns how many. */
  async purgeDead(now = this.clock.now()): Promise<number> {
    const { count } = await this.prisma.session.deleteMany({
      where: { OR: [{ revokedAt: { not: null } }, { expiresAt: { lte: now } }, { refreshExpiresAt: { lte: now } }] },
    });
    return count;
  }

  /** When the transaction has committed, waits until every instance has been told (see LiveSessionCache). */
  private syncAfterCommit(transaction: Transaction): void {
    transaction.afterCommit(REVOCATION_SYNC, () => this.cache.sync());
  }
}
