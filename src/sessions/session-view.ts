import { type SessionViewDto } from './dto/session-view.dto.js';
import { type LiveSession } from './sessions.service.js';

/** A session as GET /auth/sessions shows it. */
export function toSessionView(session: LiveSession, currentSessionId: string): SessionViewDto {
  return {
    id: session.id,
    createdAt: session.createdAt.toISOString(),
    lastUsedAt: session.lastUsedAt.toISOString(),
    expiresAt: session.refreshExpiresAt.toISOString(),
    userAgent: session.userAgent,
    ip: session.ip,
    current: session.id === currentSessionId,
  };
}
