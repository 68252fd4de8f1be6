import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { passportJwtSecret } from 'jwks-rsa';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { RESOURCE_SERVER_OPTIONS, type ResourceServerOptions } from './resource-server.options.js';

export const AUTH_SERVICE_STRATEGY = 'auth-service-jwt';

/** Who called, as the access token says. */
export interface Caller {
  userId: string;
  role: string;
  sessionId: string;
}

interface VerifiedToken {
  header: { typ?: unknown };
  payload: { sub?: unknown; role?: unknown; sid?: unknown };
}

/**
 * Verifies the auth service's access tokens with its published keys: ES256 only, `iss`, `aud`, `exp` and the
 * `typ: at+jwt` header checked. jwks-rsa caches each key by `kid` and fetches the set again for a `kid` it has
 * not seen, so a key the auth service rotates in is picked up without a restart.
 */
@Injectable()
export class AuthServiceStrategy extends PassportStrategy(Strategy, AUTH_SERVICE_STRATEGY) {
  constructor(@Inject(RESOURCE_SERVER_OPTIONS) options: ResourceServerOptions) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKeyProvider: passportJwtSecret({
        jwksUri: options.jwksUri,
        cache: true,
        cacheMaxAge: options.jwksCacheMaxAgeMs,
        // Tokens with made-up kids must not turn into a flood of requests to the auth service.
        rateLimit: true,
        jwksRequestsPerMinute: 10,
        timeout: 5000,
      }),
      algorithms: ['ES256'],
      issuer: options.issuer,
      audience: options.audience,
      jsonWebTokenOptions: { complete: true },
    });
  }

  validate(token: VerifiedToken): Caller | false {
    const { sub, role, sid } = token.payload;
    // A refresh token or any other JWT signed with these keys is not an access token.
    if (token.header.typ !== 'at+jwt') return false;
    if (typeof sub !== 'string' || typeof role !== 'string' || typeof sid !== 'string') return false;
    return { userId: sub, role, sessionId: sid };
  }
}
