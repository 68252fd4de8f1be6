import { type AuditEvent as AuditEventRow } from '../generated/prisma/client.js';

/** GET /auth/events: what a user sees of their own events. */
export interface OwnEventView {
  id: number;
  type: string;
  createdAt: Date;
  ip: string | null;
  userAgent: string | null;
  sessionId: string | null;
}

/** GET /admin/events: the whole record. */
export interface AdminEventView extends OwnEventView {
  userId: number | null;
  actorId: number | null;
  detail: unknown;
}

/** Ids are bigint in the database and JSON numbers here: exact up to 2^53, which no event count reaches. */
export function toOwnEventView(row: AuditEventRow): OwnEventView {
  return { id: Number(row.id), type: row.type, createdAt: row.createdAt, ip: row.ip, userAgent: row.userAgent, sessionId: row.sessionId };
}

export function toAdminEventView(row: AuditEventRow): AdminEventView {
  return {
    id: Number(row.id),
    type: row.type,
    createdAt: row.createdAt,
    userId: row.userId,
    sessionId: row.sessionId,
    actorId: row.actorId,
    ip: row.ip,
    userAgent: row.userAgent,
    detail: row.detail,
  };
}
