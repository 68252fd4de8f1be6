// How the benchmark scripts (run.js, startup.js) start the service: the production settings of one run.
import { generateKeyPairSync, randomBytes } from 'node:crypto';

export const REFRESH_SECRET = 'bench-refresh-secret-0123456789-qrstuvwxyz-ABCD';
export const ACCESS_TTL = 3600; // an hour: no token expires during a run
export const REFRESH_TTL = 604_800;
export const SESSION_MAX_AGE = 2_592_000;
export const ADMIN_EMAIL = 'admin@bench.example.com';
export const ADMIN_PASSWORD = 'Lantern quartz admin 4826 of the bench';
export const USER_PASSWORD = 'Harbor tamarind orbit 7391 bench';
/** One per run (per process), so that every start of the service in a run has the same. */
const MFA_KEY = randomBytes(32).toString('base64');

/** One P-256 key per run, in the service's JWT_ACCESS_KEYS format (the reference takes the same). */
export function accessKeysForRun() {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return JSON.stringify({ keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'bench-key', alg: 'ES256', use: 'sig' }] });
}

/** The service's environment: NODE_ENV=production with the production runtime settings and the default limits. */
export function serviceEnvironment({ port, databaseUrl, accessKeys, smtpUrl, logLevel, workers = 1 }) {
  return {
    ...process.env,
    NODE_ENV: 'production',
    PORT: String(port),
    DATABASE_URL: databaseUrl,
    JWT_ACCESS_KEYS: accessKeys,
    JWT_REFRESH_SECRET: REFRESH_SECRET,
    SMTP_URL: smtpUrl,
    MFA_ENCRYPTION_KEY: MFA_KEY,
    JWT_ACCESS_TTL: String(ACCESS_TTL),
    JWT_REFRESH_TTL: String(REFRESH_TTL),
    JWT_REFRESH_REUSE_GRACE: '10s',
    SESSION_MAX_AGE: String(SESSION_MAX_AGE),
    PASSWORD_MIN_LENGTH: '8',
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    // The default limits (60 requests per client per minute, lockout after 5 failures), spread over the many
    // client addresses the load comes from (load.js): the limiter's cost per request is measured, its refusals
    // are not (no client reaches its budget).
    RATE_LIMIT_PER_MINUTE: '60',
    SIGNIN_MAX_FAILURES: '5',
    SIGNIN_WINDOW: '15m',
    TRUST_PROXY: 'loopback',
    // Set empty rather than left out, so that a developer's .env cannot set them (set variables win).
    REDIS_URL: '',
    CORS_ORIGINS: '',
    LOG_LEVEL: logLevel,
    LOG_FORMAT: 'json',
    SHUTDOWN_TIMEOUT: '10s',
    WEB_CONCURRENCY: String(workers),
    // The production runtime settings, as in the Dockerfile and `npm run start:prod` (bench/README.md, "Choices").
    NODE_OPTIONS: process.env.BENCH_SERVICE_NODE_OPTIONS ?? '--max-old-space-size=96 --max-semi-space-size=2',
    MALLOC_ARENA_MAX: process.env.BENCH_MALLOC_ARENA_MAX ?? '1',
  };
}
