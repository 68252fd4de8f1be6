import { createHmac, sign, type KeyObject } from 'node:crypto';
import { TEST_ACCESS_KEY } from './access-keys.js';
import { TEST_SECRETS } from './test-app.js';

/** Builds JWTs by hand (node:crypto only), to present the app with tokens it did not issue. */

export type Claims = Record<string, unknown>;

export const ACCESS_HEADER = { alg: 'ES256', typ: 'at+jwt', kid: TEST_ACCESS_KEY.kid } as const;
export const REFRESH_HEADER = { alg: 'HS256', typ: 'rt+jwt' } as const;
/** The private key of the test apps' JWT_ACCESS_KEYS. */
export const ACCESS_KEY = TEST_ACCESS_KEY.privateKey;
export const REFRESH_KEY = TEST_SECRETS.JWT_REFRESH_SECRET;

const encode = (part: object) => Buffer.from(JSON.stringify(part), 'utf8').toString('base64url');

/** An HMAC-signed JWT: `hash` sha256 for HS256, sha512 for HS512 (whatever the header claims). */
export function signJwt(header: object, payload: Claims, secret: string | Buffer, hash: 'sha256' | 'sha512' = 'sha256'): string {
  const input = `${encode(header)}.${encode(payload)}`;
  return `${input}.${createHmac(hash, secret).update(input).digest('base64url')}`;
}

/**
 * A JWT signed with a private key (whatever the header claims): ECDSA in JWS's r||s form (sha256 for ES256,
 * sha384 for ES384), or RSA PKCS#1 v1.5 for an RSA key (RS256).
 */
export function signAsymmetricJwt(
  header: object,
  payload: Claims,
  privateKey: KeyObject = ACCESS_KEY,
  hash: 'sha256' | 'sha384' = 'sha256',
): string {
  const input = `${encode(header)}.${encode(payload)}`;
  const signature = sign(hash, Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

/** A token with an empty signature (for `alg: none`). */
export function unsignedJwt(header: object, payload: Claims): string {
  return `${encode(header)}.${encode(payload)}.`;
}

/** The token with its payload replaced by `changes` applied to it, and its original signature kept. */
export function tamperPayload(token: string, changes: Claims): string {
  const [header, payload, signature] = token.split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Claims;
  return `${header}.${encode({ ...claims, ...changes })}.${signature}`;
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);
