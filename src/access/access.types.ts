import { type Role } from '../generated/prisma/enums.js';

/** The caller of a protected route, as the access-token strategy resolved it (request.user). */
export interface AuthUser {
  id: number;
  role: Role;
  sessionId: string;
  /** The access token's authentication methods (RFC 8176): ["pwd"], or ["pwd", "otp"] after a second factor. */
  amr: string[];
  /** Whether the user has a second factor now (read with the session, not from the token). */
  mfaEnabled: boolean;
}

/** Where a sign-in came from, kept on the session. */
export interface ClientInfo {
  userAgent: string | undefined;
  ip: string | undefined;
}
