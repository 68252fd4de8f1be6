import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-jwt';
import { ACCESS_STRATEGY } from '../../access/access-token.guard.js';
import { type AuthUser } from '../../access/access.types.js';
import { SessionsService } from '../../sessions/sessions.service.js';
import { ACCESS_TOKEN_ALGORITHM, ACCESS_TOKEN_TYPE, JWT_AUDIENCE, JWT_ISSUER, TOKEN_KEYS } from '../token.constants.js';
import { kidOf, type TokenKeys } from '../token-keys.js';
import { bearerToken } from './bearer-token.js';
import { claimsOf, type DecodedJwt } from './decoded-jwt.js';

/** The token's amr claim (signed by this service); a token without one counts as a password only. */
function amrOf(claim: unknown): string[] {
  return Array.isArray(claim) && claim.every((method) => typeof method === 'string') ? claim : ['pwd'];
}

/**
 * Accepts only access tokens (ES256 only, a public key of JWT_ACCESS_KEYS named by the `kid`, iss, aud,
 * `typ: at+jwt`) whose session is still live and whose role is still the user's: revocation takes effect
 * on the next request, not when the token expires. (The service's own role change revokes the sessions;
 * one made directly in the database does not, so a token carrying the old role is refused here.)
 */
@Injectable()
export class AccessTokenStrategy extends PassportStrategy(Strategy, ACCESS_STRATEGY) {
  constructor(
    @Inject(TOKEN_KEYS) keys: TokenKeys,
    private readonly sessions: SessionsService,
  ) {
    super({
      jwtFromRequest: bearerToken,
      // An unknown kid fails authentication (401). passport-jwt hands the key to jsonwebtoken, which takes a
      // KeyObject (typed as string | Buffer); jsonwebtoken also refuses an HMAC algorithm with a public key.
      secretOrKeyProvider: (_request: unknown, rawJwt: string, done: (error: Error | null, key?: string) => void) => {
        const key = keys.access.publicKeys.get(kidOf(rawJwt) ?? '');
        if (key) done(null, key as unknown as string);
        else done(new Error('unknown kid'));
      },
      algorithms: [ACCESS_TOKEN_ALGORITHM],
      issuer: JWT_ISSUER,
      audience: JWT_AUDIENCE,
      jsonWebTokenOptions: { complete: true },
    });
  }

  async validate(jwt: DecodedJwt): Promise<AuthUser | false> {
    const claims = claimsOf(jwt, ACCESS_TOKEN_TYPE);
    if (!claims) return false;
    const user = await this.sessions.findActiveUser(claims.sessionId);
    if (!user || user.id !== claims.userId || user.role !== jwt.payload.role) return false;
    return { id: user.id, role: user.role, sessionId: claims.sessionId, amr: amrOf(jwt.payload.amr), mfaEnabled: user.mfaEnabled };
  }
}
