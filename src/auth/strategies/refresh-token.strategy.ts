import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-jwt';
import { type RefreshCredentials } from '../auth.types.js';
import { JWT_AUDIENCE, JWT_ISSUER, REFRESH_TOKEN_ALGORITHM, REFRESH_TOKEN_TYPE, TOKEN_KEYS } from '../token.constants.js';
import { type TokenKeys } from '../token-keys.js';
import { bearerToken } from './bearer-token.js';
import { claimsOf, type DecodedJwt } from './decoded-jwt.js';

export const REFRESH_STRATEGY = 'jwt-refresh';

/** Accepts only refresh tokens (own key, pinned algorithm, iss, aud, `typ: rt+jwt`); the session is checked by the refresh itself. */
@Injectable()
export class RefreshTokenStrategy extends PassportStrategy(Strategy, REFRESH_STRATEGY) {
  constructor(@Inject(TOKEN_KEYS) keys: TokenKeys) {
    super({
      jwtFromRequest: bearerToken,
      secretOrKey: keys.refresh as unknown as string,
      algorithms: [REFRESH_TOKEN_ALGORITHM],
      issuer: JWT_ISSUER,
      audience: JWT_AUDIENCE,
      jsonWebTokenOptions: { complete: true },
      passReqToCallback: true,
    });
  }

  validate(request: Parameters<typeof bearerToken>[0], jwt: DecodedJwt): RefreshCredentials | false {
    const claims = claimsOf(jwt, REFRESH_TOKEN_TYPE);
    const token = bearerToken(request);
    if (!claims || !token) return false;
    return { userId: claims.userId, sessionId: claims.sessionId, token };
  }
}
