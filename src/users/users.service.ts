import { ConflictException, Injectable, Logger, NotFoundException, UnauthorizedException } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import { type ClientInfo } from '../access/access.types.js';
import { PrismaService } from '../database/prisma.service.js';
import { Transactions, type Transaction } from '../database/transactions.js';
import { type Prisma } from '../generated/prisma/client.js';
import { Role } from '../generated/prisma/enums.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { type PublicUserDto } from './dto/public-user.dto.js';
import { PUBLIC_USER_COLUMNS, PUBLIC_USER_SELECT, toPublicUser, type PublicUserRow } from './public-user.js';

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
    private readonly transactions: Transactions,
    private readonly sessions: SessionsService,
    private readonly audit: AuditService,
  ) {}

  /** Creates a USER; 409 when the email is taken (the unique index decides, so races are safe). */
  async create(email: string, passwordHash: string, transaction: Transaction): Promise<PublicUserDto> {
    const user = await transaction.db.user.create({ data: { email, passwordHash }, select: PUBLIC_USER_SELECT });
    return toPublicUser(user);
  }

  /**
   * The ADMIN_EMAIL account at start-up: created as ADMIN, or made ADMIN if another instance starting
   * at the same moment created it meanwhile (upsert). Returns its id.
   */
  async createAdmin(email: string, passwordHash: string): Promise<number> {
    const user = await this.prisma.user.upsert({
      where: { email },
      create: { email, passwordHash, role: Role.ADMIN, emailVerified: true },
      update: { role: Role.ADMIN },
      select: { id: true },
    });
    return user.id;
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

  /** A new password, within the caller's transaction: stored, every session but `keepSessionId` revoked, and the event. */
  async changePassword(
    id: number,
    passwordHash: string,
    keepSessionId: string,
    client: ClientInfo,
    transaction: Transaction,
  ): Promise<void> {
    await transaction.db.user.update({ where: { id }, data: { passwordHash }, select: { id: true } });
    const revoked = await this.sessions.revokeAllOfUser(id, transaction, { keep: keepSessionId });
    const detail = { sessionsRevoked: revoked };
    await this.audit.record({ type: 'password.changed', userId: id, sessionId: keepSessionId, ...client, detail }, transaction.db);
  }

  /**
   * Locks the user's row for the rest of the transaction (serialising the email flows of one user) and
   * returns what they need; null when there is no such user.
   */
  async lockForEmailFlow(
    by: { id: number } | { email: string },
    tx: Prisma.TransactionClient,
  ): Promise<{ id: number; email: string; emailVerified: boolean } | null> {
    const rows =
      'id' in by
        ? await tx.$queryRaw<
            { id: number; email: string; emailVerified: boolean }[]
          >`SELECT id, email, email_verified AS "emailVerified" FROM users WHERE id = ${by.id} FOR UPDATE`
        : await tx.$queryRaw<
            { id: number; email: string; emailVerified: boolean }[]
          >`SELECT id, email, email_verified AS "emailVerified" FROM users WHERE email = ${by.email} FOR UPDATE`;
    return rows[0] ?? null;
  }

  /** Marks the email verified; returns whether it was not before. */
  async markEmailVerified(id: number, tx: Prisma.TransactionClient): Promise<boolean> {
    const { count } = await tx.user.updateMany({ where: { id, emailVerified: false }, data: { emailVerified: true } });
    return count > 0;
  }

  /**
   * A password reset from an email link: the new password, the email verified (the link proved it) and every
   * session revoked, in the caller's transaction (the other instances are told after it commits).
   */
  async resetPassword(
    id: number,
    passwordHash: string,
    transaction: Transaction,
  ): Promise<{ email: string; newlyVerified: boolean; sessionsRevoked: number }> {
    const newlyVerified = await this.markEmailVerified(id, transaction.db);
    const { email } = await transaction.db.user.update({ where: { id }, data: { passwordHash }, select: { email: true } });
    const sessionsRevoked = await this.sessions.revokeAllOfUser(id, transaction);
    return { email, newlyVerified, sessionsRevoked };
  }

  async findById(id: number): Promise<PublicUserDto> {
    const user = await this.readPublicUser(id);
    if (!user) throw new NotFoundException('user not found');
    return user;
  }

  /**
   * The caller's own record (GET /users/me). A caller whose user is gone holds a dead token: 401, also
   * in the moment before the deletion's notification has reached this instance's session cache.
   */
  async findSelf(id: number): Promise<PublicUserDto> {
    const user = await this.readPublicUser(id);
    if (!user) throw new UnauthorizedException('invalid or missing access token');
    return user;
  }

  /**
   * Every GET /users/me reads a user: one plain query on the pool under Prisma, whose client-side work
   * cost more than the query itself on this path (bench/README.md, "Choices").
   */
  private async readPublicUser(id: number): Promise<PublicUserDto | undefined> {
    const { rows } = await this.prisma.pool.query<PublicUserRow>(`SELECT ${PUBLIC_USER_COLUMNS} FROM users WHERE id = $1`, [id]);
    return rows.length === 0 ? undefined : toPublicUser(rows[0]);
  }

  /**
   * One page of users and the total (GET /users): plain queries on the pool too, for the same reason as
   * readPublicUser (bench/README.md, "Choices"). Two reads side by side on two connections: a page and a count
   * need no common snapshot, and a transaction would add two round trips.
   */
  async list(skip: number, take: number): Promise<{ users: PublicUserDto[]; total: number }> {
    const [page, count] = await Promise.all([
      this.prisma.pool.query<PublicUserRow>(`SELECT ${PUBLIC_USER_COLUMNS} FROM users ORDER BY id OFFSET $1 LIMIT $2`, [skip, take]),
      this.prisma.pool.query<{ total: number }>('SELECT count(*)::int AS total FROM users'),
    ]);
    return { users: page.rows.map(toPublicUser), total: count.rows[0].total };
  }

  /** Sets the role; a real change revokes the user's sessions. Never demotes the last admin (409). */
  async changeRole(id: number, role: Role, by: number, client: ClientInfo): Promise<PublicUserDto> {
    const { user, changed } = await this.transactions.run(async (transaction) => {
      const tx = transaction.db;
      const current = await this.lockForAdminChange(tx, id);
      if (current.role === role)
        return { user: await tx.user.findUniqueOrThrow({ where: { id }, select: PUBLIC_USER_SELECT }), changed: false };
      if (current.isLastAdmin) throw new ConflictException(LAST_ADMIN);
      const updated = await tx.user.update({ where: { id }, data: { role }, select: PUBLIC_USER_SELECT });
      const revoked = await this.sessions.revokeAllOfUser(id, transaction);
      const detail = { from: current.role, to: role, sessionsRevoked: revoked };
      await this.audit.record({ type: 'role.changed', userId: id, actorId: by, ...client, detail }, tx);
      return { user: updated, changed: true };
    });
    if (changed) this.logger.log({ event: 'role.changed', userId: id, role, by });
    return toPublicUser(user);
  }

  /** Deletes the user with their sessions (cascade); their events stay. Never the last admin (409). */
  async remove(id: number, by: number, client: ClientInfo): Promise<void> {
    await this.transactions.run(async (transaction) => {
      const current = await this.lockForAdminChange(transaction.db, id);
      if (current.isLastAdmin) throw new ConflictException(LAST_ADMIN);
      // The deletion cascades to the sessions; revoking them first is what tells every instance after the commit.
      await this.sessions.revokeAllOfUser(id, transaction);
      await transaction.db.user.delete({ where: { id } });
      await this.audit.record({ type: 'user.deleted', userId: id, actorId: by, ...client, detail: { role: current.role } }, transaction.db);
    });
    this.logger.log({ event: 'user.deleted', userId: id, by });
  }

  async revokeSessions(id: number, by: number, client: ClientInfo): Promise<void> {
    await this.findById(id);
    const revoked = await this.transactions.run(async (transaction) => {
      const revoked = await this.sessions.revokeAllOfUser(id, transaction);
      const detail = { sessionsRevoked: revoked };
      await this.audit.record({ type: 'user.sessions_revoked', userId: id, actorId: by, ...client, detail }, transaction.db);
      return revoked;
    });
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
