import { randomBytes } from 'node:crypto';
import ipaddr from 'ipaddr.js';
// validator's isEmail alone rather than class-validator's (the same function): class-validator loads every
// validator (about 20 MB of memory, and validator's index 3 MB), and the cluster's primary loads this file.
import isEmailModule from 'validator/lib/isEmail.js';
import { generatedAccessKey, parseAccessKeys, type AccessKey } from './access-keys.js';
import { ConfigError } from './config.error.js';
import { parseDurationSeconds } from './duration.js';

export type Environment = Record<string, string | undefined>;

/** The validated, typed configuration. Read once at start-up; durations in seconds. */
export interface AppConfig {
  nodeEnv: 'development' | 'production' | 'test';
  port: number;
  /** WEB_CONCURRENCY: processes serving requests; above 1, a node:cluster of that many workers. */
  workers: number;
  /** Unset outside production: an embedded PostgreSQL is started under `.data/`. */
  databaseUrl: string | undefined;
  database: {
    poolSize: number;
    /** Seconds a request may wait for a connection or a statement before the database counts as down (503). */
    timeout: number;
  };
  jwt: {
    /** JWT_ACCESS_KEYS: the first key signs access tokens, every key verifies them. */
    accessKeys: AccessKey[];
    refreshSecret: string;
    /** True when the access keys or the refresh secret were generated for this process (development only). */
    generatedSecrets: boolean;
    accessTtl: number;
    refreshTtl: number;
    refreshReuseGrace: number;
  };
  sessionMaxAge: number;
  /** Seconds an audit event is kept (AUDIT_RETENTION). */
  auditRetention: number;
  passwordMinLength: number;
  admin: { email: string; password: string | undefined } | undefined;
  signin: { maxFailures: number; window: number };
  rateLimitPerMinute: number;
  redisUrl: string | undefined;
  /** false, true (development only), a hop count, or proxy addresses/CIDRs (proxy-addr's semantics, as Fastify uses). */
  trustProxy: TrustProxy;
  corsOrigins: string[];
  log: { level: LogLevel; format: 'json' | 'pretty' };
  shutdownTimeout: number;
  /** MFA_ENCRYPTION_KEY (32 bytes): encrypts TOTP secrets at rest. Unset outside production: a key kept under `.data/`. */
  mfaEncryptionKey: Buffer | undefined;
  mail: MailConfig;
}

/** Email delivery and the links in emails (issue 14). */
export interface MailConfig {
  /** Unset (outside production): each mail is written to the log instead. */
  smtpUrl: string | undefined;
  from: string;
  /** The page that handles `#verify=` and `#reset=` links. */
  appUrl: string;
  /** Seconds a password-reset token stays valid. */
  passwordResetTtl: number;
  /** Seconds an email-verification token stays valid. */
  emailVerifyTtl: number;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type TrustProxy = boolean | number | string[];

export const PASSWORD_MAX_LENGTH = 128;
/** More workers than this is a typo rather than a machine: each holds its own pool of DATABASE_POOL_SIZE connections. */
export const WORKERS_MAX = 64;
/** Longer windows keep a stolen, rotated refresh token usable for too long. */
export const REFRESH_REUSE_GRACE_MAX = 60;
const MIN_SECRET_LENGTH = 32;

/**
 * Validates the environment; throws a ConfigError naming the first bad variable. Small readers of our own rather than
 * a schema library (envalid, zod, class-validator): nearly every variable needs a custom rule and message (durations,
 * ranges, proxies, origins, keys), and the production refusals and cross-variable rules would stay code beside a schema.
 */
export function loadConfig(env: Environment): AppConfig {
  const nodeEnv = oneOf(env, 'NODE_ENV', ['development', 'production', 'test'] as const, 'development');
  const production = nodeEnv === 'production';
  const workers = integer(env, 'WEB_CONCURRENCY', 1, 1, WORKERS_MAX);

  const databaseUrl = optional(env, 'DATABASE_URL');
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL', 'must be a postgres:// or postgresql:// connection string');
  }
  if (production && databaseUrl === undefined) {
    throw new ConfigError('DATABASE_URL', 'is required in production');
  }
  if (workers > 1 && databaseUrl === undefined) {
    throw new ConfigError(
      'DATABASE_URL',
      'is required when WEB_CONCURRENCY is above 1 (the embedded development database serves one process)',
    );
  }

  const accessTtl = duration(env, 'JWT_ACCESS_TTL', '15m');
  const refreshTtl = duration(env, 'JWT_REFRESH_TTL', '7d');
  const sessionMaxAge = duration(env, 'SESSION_MAX_AGE', '30d');
  if (refreshTtl > sessionMaxAge) {
    throw new ConfigError('JWT_REFRESH_TTL', 'must not be longer than SESSION_MAX_AGE');
  }

  const passwordMinLength = integer(env, 'PASSWORD_MIN_LENGTH', 8, 1, PASSWORD_MAX_LENGTH);

  const port = integer(env, 'PORT', 3000, 0, 65535);
  return {
    nodeEnv,
    port,
    workers,
    databaseUrl,
    database: {
      poolSize: integer(env, 'DATABASE_POOL_SIZE', 10, 1, 1000),
      timeout: duration(env, 'DATABASE_TIMEOUT', '5s'),
    },
    jwt: {
      ...secrets(env, production, workers),
      accessTtl,
      refreshTtl,
      refreshReuseGrace: duration(env, 'JWT_REFRESH_REUSE_GRACE', '10s', 0, REFRESH_REUSE_GRACE_MAX),
    },
    sessionMaxAge,
    auditRetention: duration(env, 'AUDIT_RETENTION', '90d'),
    passwordMinLength,
    admin: admin(env),
    signin: {
      maxFailures: integer(env, 'SIGNIN_MAX_FAILURES', 5, 1, 1000),
      window: duration(env, 'SIGNIN_WINDOW', '15m'),
    },
    rateLimitPerMinute: integer(env, 'RATE_LIMIT_PER_MINUTE', 60, 1, 1_000_000),
    redisUrl: url(env, 'REDIS_URL', /^rediss?:\/\//, 'a redis:// or rediss:// URL'),
    trustProxy: trustProxy(env, production),
    corsOrigins: corsOrigins(env),
    log: {
      level: oneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
      format: oneOf(env, 'LOG_FORMAT', ['json', 'pretty'] as const, production ? 'json' : 'pretty'),
    },
    shutdownTimeout: duration(env, 'SHUTDOWN_TIMEOUT', '10s', 0),
    mail: mail(env, production, port),
    mfaEncryptionKey: mfaEncryptionKey(env, production),
  };
}

function mail(env: Environment, production: boolean, port: number): MailConfig {
  const smtpUrl = url(env, 'SMTP_URL', /^smtps?:\/\/[^/?#]/, 'an smtp:// or smtps:// URL (smtp://user:pass@host:587)');
  if (smtpUrl === undefined && production)
    throw new ConfigError('SMTP_URL', 'is required in production (without it emails are only logged)');
  const from = optional(env, 'MAIL_FROM') ?? 'nest-jwt-auth <no-reply@localhost>';
  if (/[\r\n]/.test(from) || !/@/.test(from))
    throw new ConfigError('MAIL_FROM', 'must be an address such as "Example <no-reply@example.com>"');
  return {
    smtpUrl,
    from,
    appUrl: appUrl(env, port),
    passwordResetTtl: duration(env, 'PASSWORD_RESET_TTL', '1h', 60),
    emailVerifyTtl: duration(env, 'EMAIL_VERIFY_TTL', '24h', 60),
  };
}

/** The links are `APP_URL#reset=<token>`: an http(s) URL without a fragment of its own. By default, this service's demo page. */
function appUrl(env: Environment, port: number): string {
  const text = optional(env, 'APP_URL') ?? `http://localhost:${port}/demo`;
  let parsed: URL | undefined;
  try {
    parsed = new URL(text);
  } catch {
    parsed = undefined;
  }
  if (!parsed || !/^https?:$/.test(parsed.protocol) || text.includes('#')) {
    throw new ConfigError('APP_URL', `must be an http:// or https:// URL without a #fragment (got "${text}")`);
  }
  return text;
}

function optional(env: Environment, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function oneOf<T extends string>(env: Environment, name: string, allowed: readonly T[], fallback: T): T {
  const value = optional(env, name) ?? fallback;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new ConfigError(name, `must be one of ${allowed.join(', ')} (got "${value}")`);
  }
  return value as T;
}

function integer(env: Environment, name: string, fallback: number, min: number, max: number): number {
  const text = optional(env, name);
  if (text === undefined) return fallback;
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(name, `must be a whole number from ${min} to ${max} (got "${text}")`);
  }
  return value;
}

function duration(env: Environment, name: string, fallback: string, min = 1, max = Infinity): number {
  const text = optional(env, name) ?? fallback;
  const seconds = parseDurationSeconds(text);
  if (seconds === undefined || seconds < min || seconds > max) {
    const range = max === Infinity ? `of at least ${min}s` : `from ${min}s to ${max}s`;
    throw new ConfigError(name, `must be a duration ${range}, in seconds or with s, m, h or d (got "${text}")`);
  }
  return seconds;
}

function url(env: Environment, name: string, pattern: RegExp, what: string): string | undefined {
  const value = optional(env, name);
  if (value !== undefined && !pattern.test(value)) throw new ConfigError(name, `must be ${what}`);
  return value;
}

function secrets(env: Environment, production: boolean, workers: number) {
  if (optional(env, 'JWT_ACCESS_SECRET') !== undefined) {
    throw new ConfigError(
      'JWT_ACCESS_SECRET',
      'is no longer used: access tokens are signed with the keys of JWT_ACCESS_KEYS (npm run keys:generate)',
    );
  }
  const accessKeys = optional(env, 'JWT_ACCESS_KEYS');
  const refresh = optional(env, 'JWT_REFRESH_SECRET');
  if (accessKeys === undefined && production) throw new ConfigError('JWT_ACCESS_KEYS', 'is required in production');
  if (refresh === undefined && production) throw new ConfigError('JWT_REFRESH_SECRET', 'is required in production');
  if (workers > 1) {
    // Each worker would generate its own: a token signed by one would be refused by the others.
    const shared = '(keys generated by each worker would not accept the tokens of the others)';
    if (accessKeys === undefined) throw new ConfigError('JWT_ACCESS_KEYS', `is required when WEB_CONCURRENCY is above 1 ${shared}`);
    if (refresh === undefined) throw new ConfigError('JWT_REFRESH_SECRET', `is required when WEB_CONCURRENCY is above 1 ${shared}`);
  }
  if (refresh !== undefined && refresh.length < MIN_SECRET_LENGTH) {
    throw new ConfigError('JWT_REFRESH_SECRET', `must be at least ${MIN_SECRET_LENGTH} characters long`);
  }
  return {
    accessKeys: accessKeys === undefined ? [generatedAccessKey()] : parseAccessKeys(accessKeys),
    refreshSecret: refresh ?? randomBytes(48).toString('base64url'),
    generatedSecrets: accessKeys === undefined || refresh === undefined,
  };
}

function admin(env: Environment): AppConfig['admin'] {
  const email = optional(env, 'ADMIN_EMAIL');
  const password = env.ADMIN_PASSWORD === '' ? undefined : env.ADMIN_PASSWORD;
  if (email === undefined) {
    if (password !== undefined) throw new ConfigError('ADMIN_EMAIL', 'is required when ADMIN_PASSWORD is set');
    return undefined;
  }
  if (!isEmailModule.default(email)) throw new ConfigError('ADMIN_EMAIL', 'must be an email address');
  return { email: email.toLowerCase(), password };
}

/** proxy-addr's names for address ranges, accepted in a TRUST_PROXY list. */
const PROXY_RANGE_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

function trustProxy(env: Environment, production: boolean): TrustProxy {
  const text = optional(env, 'TRUST_PROXY') ?? 'false';
  if (text === 'false') return false;
  if (text === 'true') {
    if (production)
      throw new ConfigError(
        'TRUST_PROXY',
        "true (trust every hop: any client could choose its own address) is refused in production; give a hop count or the proxies' addresses",
      );
    return true;
  }
  if (/^\d{1,2}$/.test(text)) return Number(text);
  const entries = text.split(',').map((entry) => entry.trim());
  for (const entry of entries) {
    if (!PROXY_RANGE_NAMES.includes(entry) && !isAddressOrCidr(entry)) {
      throw new ConfigError(
        'TRUST_PROXY',
        `must be false, a number of proxy hops, or comma-separated proxy addresses or CIDR ranges (got "${text}")`,
      );
    }
  }
  return entries;
}

function isAddressOrCidr(text: string): boolean {
  return text.includes('/') ? isValidCidr(text) : ipaddr.IPv4.isValidFourPartDecimal(text) || ipaddr.IPv6.isValid(text);
}

function isValidCidr(text: string): boolean {
  try {
    ipaddr.parseCIDR(text);
    return true;
  } catch {
    return false;
  }
}

function corsOrigins(env: Environment): string[] {
  const text = optional(env, 'CORS_ORIGINS');
  if (text === undefined) return [];
  const origins = text
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean);
  for (const origin of origins) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    if (!parsed || parsed.origin !== origin) {
      throw new ConfigError('CORS_ORIGINS', `"${origin}" is not an origin such as https://app.example.com`);
    }
  }
  return origins;
}

function mfaEncryptionKey(env: Environment, production: boolean): Buffer | undefined {
  const text = optional(env, 'MFA_ENCRYPTION_KEY');
  if (text === undefined) {
    if (production)
      throw new ConfigError('MFA_ENCRYPTION_KEY', 'is required in production (32 random bytes, base64: openssl rand -base64 32)');
    return undefined;
  }
  const key = /^[A-Za-z0-9+/_-]+={0,2}$/.test(text) ? Buffer.from(text, 'base64') : Buffer.alloc(0);
  if (key.length !== 32) throw new ConfigError('MFA_ENCRYPTION_KEY', 'must be 32 bytes in base64 (openssl rand -base64 32)');
  return key;
}
