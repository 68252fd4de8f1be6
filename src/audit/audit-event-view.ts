import { type AuditEvent as AuditEventRow } from '../generated/prisma/client.js';
import { type AdminEventDto, type OwnEventDto } from './dto/audit-event.dto.js';

/** Ids are bigint in the database and JSON numbers here: exact up to 2^53, which no event count reaches. */
/** GET /auth/events: what a user sees of their own events. */
export function toOwnEventView(row: AuditEventRow): OwnEventDto {
  return { id: Number(row.id), type: row.type, createdAt: row.createdAt, ip: row.ip, userAgent: row.userAgent, sessionId: row.sessionId };
}

/** GET /admin/events: the whole record. */
export function toAdminEventView(row: AuditEventRow): AdminEventDto {
  return {
    id: Number(row.id),
    type: row.type,
    createdAt: row.createdAt,
    userId: row.userId,
    sessionId: row.sessionId,
    actorId: row.actorId,
    ip: row.ip,
    userAgent: row.userAgent,
    // Written only from an AuditDetail (an object; the column defaults to {}).
    detail: row.detail as Record<string, unknown>,
  };
}
