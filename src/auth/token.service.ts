import { createHash, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { APP_CONFIG } from '../config/config.module.js';
import { type AppConfig } from '../config/app-config.js';
import { Clock } from '../clock/clock.js';
import { type Role } from '../generated/prisma/enums.js';
import {
  ACCESS_TOKEN_ALGORITHM,
  ACCESS_TOKEN_TYPE,
  JWT_AUDIENCE,
  JWT_ISSUER,
  REFRESH_TOKEN_ALGORITHM,
  REFRESH_TOKEN_TYPE,
  TOKEN_KEYS,
} from './token.constants.js';
import { type TokenKeys } from './token-keys.js';

/** Everything a refresh token says. Stored on the session, so the same token can be signed again. */
export interface RefreshTokenFields {
  userId: number;
  sessionId: string;
  tokenId: string;
  /** Seconds since the epoch. */
  issuedAt: number;
  expiresAt: number;
}

export interface SignedAccessToken {
  token: string;
  expiresIn: number;
}

@Injectable()
export class TokenService {
  constructor(
    private readonly jwt: JwtService,
    @Inject(TOKEN_KEYS) private readonly keys: TokenKeys,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  /** An access token for the session, signed by the first key of JWT_ACCESS_KEYS; it never outlives the session's absolute end. */
  signAccessToken(user: { id: number; role: Role }, sessionId: string, sessionEnd: Date, mfaVerified = false): SignedAccessToken {
    const iat = epochSeconds(this.clock.now());
    const exp = Math.min(iat + this.config.jwt.accessTtl, epochSeconds(sessionEnd));
    const amr = mfaVerified ? ['pwd', 'otp'] : ['pwd'];
    const payload = {
      sub: String(user.id),
      sid: sessionId,
      role: user.role,
      amr,
      iss: JWT_ISSUER,
      aud: JWT_AUDIENCE,
      iat,
      exp,
      jti: randomUUID(),
    };
    const { kid, privateKey } = this.keys.access.signing;
    const header = { alg: ACCESS_TOKEN_ALGORITHM, typ: ACCESS_TOKEN_TYPE, kid };
    const token = this.jwt.sign(payload, { privateKey, algorithm: ACCESS_TOKEN_ALGORITHM, header });
    return { token, expiresIn: exp - iat };
  }

  /** Deterministic: the same fields always give the same string (HS256, fixed claim order). */
  signRefreshToken(fields: RefreshTokenFields): string {
    const payload = {
      sub: String(fields.userId),
      sid: fields.sessionId,
      iss: JWT_ISSUER,
      aud: JWT_AUDIENCE,
      iat: fields.issuedAt,
      exp: fields.expiresAt,
      jti: fields.tokenId,
    };
    const header = { alg: REFRESH_TOKEN_ALGORITHM, typ: REFRESH_TOKEN_TYPE };
    return this.jwt.sign(payload, { privateKey: this.keys.refresh, algorithm: REFRESH_TOKEN_ALGORITHM, header });
  }

  /** Fields of a new refresh token issued now for the session, capped by its absolute end when given. */
  nextRefreshFields(userId: number, sessionId: string, sessionEnd?: Date, now = this.clock.now()): RefreshTokenFields {
    const issuedAt = epochSeconds(now);
    const uncapped = issuedAt + this.config.jwt.refreshTtl;
    const expiresAt = sessionEnd ? Math.min(uncapped, epochSeconds(sessionEnd)) : uncapped;
    return { userId, sessionId, tokenId: randomUUID(), issuedAt, expiresAt };
  }
}

/** Refresh tokens are random and long: a fast hash is enough (argon2 is for passwords). */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function epochSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}
