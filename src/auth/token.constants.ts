/** JWT conventions shared by the signer and the two strategies. */
export const JWT_ISSUER = 'nest-jwt-auth';
export const JWT_AUDIENCE = 'nest-jwt-auth';
/** ES256: other services verify access tokens with the published public keys; no secret is shared. */
export const ACCESS_TOKEN_ALGORITHM = 'ES256';
/** HS256: fast, and deterministic, so a session's current refresh token can be signed again byte for byte. */
export const REFRESH_TOKEN_ALGORITHM = 'HS256';
/** The `typ` header tells the token types apart (RFC 9068 names `at+jwt` for access tokens). */
export const ACCESS_TOKEN_TYPE = 'at+jwt';
export const REFRESH_TOKEN_TYPE = 'rt+jwt';

export const TOKEN_KEYS = Symbol('TOKEN_KEYS');
