import { type LiveSession } from './sessions.service.js';

/** A session as GET /auth/sessions shows it. */
export interface SessionView {
  id: string;
  createdAt: string;
  lastUsedAt: string;
  /** When the session's current refresh token expires (never after the session's absolute end). */
  expiresAt: string;
  userAgent: string | null;
  ip: string | null;
  current: boolean;
}

export function toSessionView(session: LiveSession, currentSessionId: string): SessionView {
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
