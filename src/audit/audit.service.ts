import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '../config/config.module.js';
import { type AppConfig } from '../config/app-config.js';
import { Clock } from '../clock/clock.js';
import { PrismaService } from '../database/prisma.service.js';
import { type Prisma } from '../generated/prisma/client.js';
import { type AuditEventType } from './audit-event-types.js';
import { toAdminEventView, toOwnEventView } from './audit-event-view.js';
import { type AdminEventDto, type OwnEventDto } from './dto/audit-event.dto.js';

/** Facts about an event: scalars only, and never a password, token, code or hash. */
export type AuditDetail = Record<string, string | number | boolean | null>;

export interface AuditEvent {
  type: AuditEventType;
  userId?: number | null;
  sessionId?: string | null;
  /** The admin who acted on another user. */
  actorId?: number | null;
  ip?: string;
  userAgent?: string;
  detail?: AuditDetail;
}

/** One page: newest first, ids below `before` when given. */
export interface EventPage {
  before?: number;
  take: number;
}

/** Rows deleted per retention statement: each stays well inside DATABASE_TIMEOUT, however large the backlog. */
const RETENTION_BATCH = 10_000;

/** The one owner of the audit_events table. */
@Injectable()
export class AuditService {
  constructor(
    private readonly prisma: PrismaService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  /**
   * Records an event in the transaction of the change it records (`tx`): it commits with the change
   * or not at all. One INSERT.
   */
  async record(event: AuditEvent, tx: Prisma.TransactionClient): Promise<void> {
    // The Clock's time, not the column's now() default: retention compares it with the Clock.
    await tx.auditEvent.create({ data: { ...event, createdAt: this.clock.now() }, select: { id: true } });
  }

  /** An event that belongs to no change (a refused sign-in): written on its own. */
  recordStandalone(event: AuditEvent): Promise<void> {
    return this.record(event, this.prisma);
  }

  /** The user's own events, newest first. */
  async listOwn(userId: number, page: EventPage): Promise<OwnEventDto[]> {
    const rows = await this.prisma.auditEvent.findMany({
      where: { userId, ...below(page.before) },
      orderBy: { id: 'desc' },
      take: page.take,
    });
    return rows.map(toOwnEventView);
  }

  /** Every event, newest first, optionally of one user and/or one type. */
  async list(filter: { userId?: number; type?: AuditEventType }, page: EventPage): Promise<AdminEventDto[]> {
    const rows = await this.prisma.auditEvent.findMany({
      where: { userId: filter.userId, type: filter.type, ...below(page.before) },
      orderBy: { id: 'desc' },
      take: page.take,
    });
    return rows.map(toAdminEventView);
  }

  /** Deletes the events older than AUDIT_RETENTION, in batches; returns how many. */
  async purgeExpired(now = this.clock.now()): Promise<number> {
    const cutoff = new Date(now.getTime() - this.config.auditRetention * 1000);
    let deleted = 0;
    for (;;) {
      // Prisma's deleteMany has no LIMIT: one SQL statement per batch.
      const count = await this.prisma.$executeRaw`
        DELETE FROM audit_events WHERE id IN (SELECT id FROM audit_events WHERE created_at < ${cutoff} LIMIT ${RETENTION_BATCH})`;
      deleted += count;
      if (count < RETENTION_BATCH) return deleted;
    }
  }
}

function below(before: number | undefined) {
  return before === undefined ? {} : { id: { lt: BigInt(before) } };
}
