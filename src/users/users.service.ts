import { ConflictException, Injectable, Logger, NotFoundException, UnauthorizedException } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import { type ClientInfo } from '../auth/auth.types.js';
import { PrismaService } from '../database/prisma.service.js';
import { type Prisma } from '../generated/prisma/client.js';
import { Role } from '../generated/prisma/enums.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { PUBLIC_USER_SELECT, toPublicUser, type PublicUser } from './public-user.js';

/** A user row including the password hash: only sign-in and password checks read it. */
export interface UserWithPassword {
  id: number;
  email: string;
  role: Role;
  passwordHash: string;
  /** TOTP is required after the password (src/mfa/). */
  mfaEnabled: boolean;
  createdAt: Date;
  updatedAt: Date;
}

const LAST_ADMIN = 'the change would leave no admin';

@Injectable()
export class UsersService {
  private readonly logger = new Logger('Users');

  constructor(
    private readonly prisma: PrismaService,
    private readonly sessions: SessionsService,
    private readonly audit: AuditService,
  ) {}

  /** Creates a USER; 409 when the email is taken (the unique index decides, so races are safe). */
  async create(email: string, passwordHash: string, db: Prisma.TransactionClient = this.prisma): Promise<PublicUser> {
    const user = await db.user.create({ data: { email, passwordHash }, select: PUBLIC_USER_SELECT });
    return toPublicUser(user);
  }

  /** The only read of a password hash, by email. */
  findWithPassword(email: string): Promise<UserWithPassword | null> {
    return this.prisma.user.findUnique({ where: { email } });
  }

  /** The id of the account with this email, if any (to record a refused sign-in). */
  async findIdByEmail(email: string): Promise<number | undefined> {
    const user = await this.prisma.user.findUnique({ where: { email }, select: { id: true } });
    return user?.id;
  }

  /** Email and password hash of a signed-in user (password change). */
  findCredentials(id: number): Promise<{ email: string; passwordHash: string } | null> {
    return this.prisma.user.findUnique({ where: { id }, select: { email: true, passwordHash: true } });
  }

  /** Stores a re-hash of the same password (stronger parameters); sessions are untouched. */
  async setPasswordHash(id: number, passwordHash: string): Promise<void> {
    await this.prisma.user.update({ where: { id }, data: { passwordHash }, select: { id: true } });
  }

  /** A new password: stored, every session but `keepSessionId` revoked, and the event, in one transaction. */
  async changePassword(id: number, passwordHash: string, keepSessionId: string, client: ClientInfo): Promise<void> {
    await this.prisma.$transaction(async (tx) => {
      await tx.user.update({ where: { id }, data: { passwordHash }, select: { id: true } });
      const revoked = await this.sessions.revokeAllOfUser(id, { keep: keepSessionId, db: tx });
      await this.audit.record({ type: 'password.changed', userId: id, sessionId: keepSessionId, ...client, detail: { sessionsRevoked: revoked } }, tx);
    });
    await this.sessions.afterRevocation();
  }

  async findById(id: number): Promise<PublicUser> {
    const user = await this.readPublicUser(id);
    if (!user) throw new NotFoundException('user not found');
    return user;
  }

  /**
   * The caller's own record (GET /users/me). A caller whose user is gone holds a dead token: 401, also
   * in the moment before the deletion's notification has reached this instance's session cache.
   */
  async findSelf(id: number): Promise<PublicUser> {
    const user = await this.readPublicUser(id);
    if (!user) throw new UnauthorizedException('invalid or missing access token');
    return user;
  }

  /**
   * Every GET /users/me reads a user: one plain query on the pool under Prisma, whose client-side work
   * cost more than the query itself on this path (bench/README.md, "Choices").
   */
  private async readPublicUser(id: number): Promise<PublicUser | undefined> {
    const { rows } = await this.prisma.pool.query<Parameters<typeof toPublicUser>[0]>(
      'SELECT id, email, role, mfa_enabled AS "mfaEnabled", created_at AS "createdAt", updated_at AS "updatedAt" FROM users WHERE id = $1',
      [id],
    );
    return rows.length === 0 ? undefined : toPublicUser(rows[0]);
  }

  async list(skip: number, take: number): Promise<{ users: PublicUser[]; total: number }> {
    // Two reads side by side on two connections: a page and a count need no common snapshot, and a
    // transaction would add two round trips (measured in bench/).
    const [users, total] = await Promise.all([
      this.prisma.user.findMany({ skip, take, orderBy: { id: 'asc' }, select: PUBLIC_USER_SELECT }),
      this.prisma.user.count(),
    ]);
    return { users: users.map(toPublicUser), total };
  }

  /** Sets the role; a real change revokes the user's sessions. Never demotes the last admin (409). */
  async changeRole(id: number, role: Role, by: number, client: ClientInfo): Promise<PublicUser> {
    const { user, changed } = await this.prisma.$transaction(async (tx) => {
      const current = await this.lockForAdminChange(tx, id);
      if (current.role === role) return { user: await tx.user.findUniqueOrThrow({ where: { id }, select: PUBLIC_USER_SELECT }), changed: false };
      if (current.isLastAdmin) throw new ConflictException(LAST_ADMIN);
      const updated = await tx.user.update({ where: { id }, data: { role }, select: PUBLIC_USER_SELECT });
      const revoked = await this.sessions.revokeAllOfUser(id, { db: tx });
      const detail = { from: current.role, to: role, sessionsRevoked: revoked };
      await this.audit.record({ type: 'role.changed', userId: id, actorId: by, ...client, detail }, tx);
      return { user: updated, changed: true };
    });
    if (changed) {
      await this.sessions.afterRevocation();
      this.logger.log({ event: 'role.changed', userId: id, role, by });
    }
    return toPublicUser(user);
  }

  /** Deletes the user with their sessions (cascade); their events stay. Never the last admin (409). */
  async remove(id: number, by: number, client: ClientInfo): Promise<void> {
    await this.prisma.$transaction(async (tx) => {
      const current = await this.lockForAdminChange(tx, id);
      if (current.isLastAdmin) throw new ConflictException(LAST_ADMIN);
      await tx.user.delete({ where: { id } });
      await this.audit.record({ type: 'user.deleted', userId: id, actorId: by, ...client, detail: { role: current.role } }, tx);
    });
    await this.sessions.afterRevocation();
    this.logger.log({ event: 'user.deleted', userId: id, by });
  }

  async revokeSessions(id: number, by: number, client: ClientInfo): Promise<void> {
    await this.findById(id);
    const revoked = await this.prisma.$transaction(async (tx) => {
      const revoked = await this.sessions.revokeAllOfUser(id, { db: tx });
      await this.audit.record({ type: 'user.sessions_revoked', userId: id, actorId: by, ...client, detail: { sessionsRevoked: revoked } }, tx);
      return revoked;
    });
    if (revoked > 0) await this.sessions.afterRevocation();
    this.logger.log({ event: 'sessions.revoked', userId: id, by, revoked });
  }

  /**
   * Locks the admin rows and the target (404 when it does not exist) and tells whether the target is
   * the only admin. Locking every admin row serialises concurrent demotions and deletions, so two
   * admins cannot demote each other at once and leave none.
   */
  private async lockForAdminChange(tx: Prisma.TransactionClient, id: number): Promise<{ role: Role; isLastAdmin: boolean }> {
    const admins = await tx.$queryRaw<{ id: number }[]>`SELECT id FROM users WHERE role = 'ADMIN' ORDER BY id FOR UPDATE`;
    const [target] = await tx.$queryRaw<{ role: Role }[]>`SELECT role FROM users WHERE id = ${id} FOR UPDATE`;
    if (!target) throw new NotFoundException('user not found');
    return { role: target.role, isLastAdmin: target.role === Role.ADMIN && admins.length <= 1 };
  }
}
