/** What the resource server needs to know about the auth service that issues its tokens. */
export interface ResourceServerOptions {
  /** The auth service's key set: `<auth service>/.well-known/jwks.json`. */
  jwksUri: string;
  /** The `iss` and `aud` the auth service puts in its access tokens. */
  issuer: string;
  audience: string;
  /** How long a fetched key is trusted before the set is fetched again (the JWKS says 5 minutes). */
  jwksCacheMaxAgeMs: number;
}

export const RESOURCE_SERVER_OPTIONS = Symbol('RESOURCE_SERVER_OPTIONS');

/** The options from the environment: AUTH_URL, AUTH_ISSUER, AUTH_AUDIENCE, JWKS_CACHE_MAX_AGE_MS. */
export function optionsFromEnvironment(env: Record<string, string | undefined>): ResourceServerOptions {
  const authUrl = (env.AUTH_URL ?? 'http://localhost:3000').replace(/\/+$/, '');
  return {
    jwksUri: `${authUrl}/.well-known/jwks.json`,
    issuer: env.AUTH_ISSUER ?? 'nest-jwt-auth',
    audience: env.AUTH_AUDIENCE ?? 'nest-jwt-auth',
    jwksCacheMaxAgeMs: Number(env.JWKS_CACHE_MAX_AGE_MS ?? 300_000),
  };
}
