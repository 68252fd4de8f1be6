import { type IncomingHttpHeaders } from 'node:http';

/**
 * RFC 6750's `Bearer 1*SP b64token`, and nothing after it. passport-jwt's own extractor reads the first two
 * words of the header and ignores the rest; here any extra word makes the header invalid (401).
 */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

/** The token of an `Authorization: Bearer <token>` header, or null for any other header. */
export function bearerToken(request: { headers: IncomingHttpHeaders }): string | null {
  const header = request.headers.authorization;
  return typeof header === 'string' ? (BEARER.exec(header)?.[1] ?? null) : null;
}
