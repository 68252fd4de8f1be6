/** A token as jsonwebtoken returns it with `complete: true`, after the signature and claims were verified. */
export interface DecodedJwt {
  header: { typ?: unknown };
  payload: { sub?: unknown; sid?: unknown; role?: unknown; amr?: unknown };
}

const SESSION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const USER_ID = /^[1-9]\d{0,9}$/;

/** The subject and session of a verified token of the expected type, or null when anything is off. */
export function claimsOf(jwt: DecodedJwt, expectedType: string): { userId: number; sessionId: string } | null {
  const { sub, sid } = jwt.payload;
  if (jwt.header.typ !== expectedType) return null;
  if (typeof sub !== 'string' || !USER_ID.test(sub) || typeof sid !== 'string' || !SESSION_ID.test(sid)) return null;
  return { userId: Number(sub), sessionId: sid };
}
