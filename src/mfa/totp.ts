import { generateSecret, generateURI, verifySync } from 'otplib';

/** The issuer shown by authenticator apps. */
export const TOTP_ISSUER = 'nest-jwt-auth';
const PERIOD_SECONDS = 30;
const DIGITS = 6;

/** RFC 6238 with otplib's defaults made explicit: SHA-1, 6 digits, 30 s steps. */
export function newTotpSecret(): string {
  return generateSecret({ length: 20 });
}

export function otpauthUrl(email: string, secret: string): string {
  return generateURI({ issuer: TOTP_ISSUER, label: email, secret, algorithm: 'sha1', digits: DIGITS, period: PERIOD_SECONDS });
}

/**
 * The time step of `code` if it is right now, or one step before or after (clock skew); null when wrong.
 * The caller stores the step and refuses it and every earlier one afterwards (no replay).
 */
export function totpStepOf(secret: string, code: string, now = Date.now()): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const result = verifySync({
    secret,
    token: code,
    algorithm: 'sha1',
    digits: DIGITS,
    period: PERIOD_SECONDS,
    epoch: Math.floor(now / 1000),
    epochTolerance: PERIOD_SECONDS,
  });
  return result.valid ? Math.floor(now / 1000 / PERIOD_SECONDS) + result.delta : null;
}
