import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { SessionsService } from '../../sessions/sessions.service.js';
import { type AuthUser } from '../auth.types.js';
import { ACCESS_TOKEN_TYPE, JWT_ALGORITHM, JWT_AUDIENCE, JWT_ISSUER, TOKEN_KEYS } from '../token.constants.js';
import { type TokenKeys } from '../token-keys.js';
import { claimsOf, type DecodedJwt } from './decoded-jwt.js';

export const ACCESS_STRATEGY = 'jwt';

/**
 * Accepts only access tokens (own key, pinned algorithm, iss, aud, `typ: at+jwt`) whose session is
 * still live and whose role is still the user's: revocation takes effect on the next request, not when
 * the token expires. (The service's own role change revokes the sessions; one made directly in the
 * database does not, so a token carrying the old role is refused here.)
 */
@Injectable()
export class AccessTokenStrategy extends PassportStrategy(Strategy, ACCESS_STRATEGY) {
  constructor(
    @Inject(TOKEN_KEYS) keys: TokenKeys,
    private readonly sessions: SessionsService,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      // passport-jwt hands the key to jsonwebtoken, which takes a KeyObject (typed as string | Buffer).
      secretOrKey: keys.access as unknown as string,
      algorithms: [JWT_ALGORITHM],
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
    return { id: user.id, role: user.role, sessionId: claims.sessionId };
  }
}
