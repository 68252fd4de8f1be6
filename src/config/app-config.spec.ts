import { generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig, type Environment } from './app-config.js';
import { ConfigError } from './config.error.js';

/** A private P-256 JWK with this kid (and any other members). */
const privateJwk = (kid: string, extra: Record<string, unknown> = {}): JsonWebKey & Record<string, unknown> => ({
  ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }),
  kid,
  ...extra,
});
const keySet = (...keys: unknown[]) => JSON.stringify({ keys });
const FIRST = privateJwk('first');
const SECOND = privateJwk('second', { alg: 'ES256', use: 'sig' });
const ACCESS_KEYS = keySet(FIRST, SECOND);
const REFRESH = 'r'.repeat(32);
const PRODUCTION = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgres://u:p@db:5432/app',
  JWT_ACCESS_KEYS: ACCESS_KEYS,
  JWT_REFRESH_SECRET: REFRESH,
  SMTP_URL: 'smtp://mail.example.com:587',
  MFA_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'),
};

/** The ConfigError that loadConfig throws for env (fails the test when it does not throw one). */
function configError(env: Environment): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

/** Asserts that env is refused with one line naming `variable`. */
function expectRefused(env: Environment, variable: string): ConfigError {
  const error = configError(env);
  expect(error.variable).toBe(variable);
  expect(error.message.startsWith(`${variable}: `)).toBe(true);
  expect(error.message).not.toContain('\n');
  expect(error.name).toBe('ConfigError');
  return error;
}

describe('loadConfig', () => {
  describe('defaults (empty environment)', () => {
    const config = loadConfig({});

    it('matches the documented defaults', () => {
      expect(config).toEqual({
        nodeEnv: 'development',
        port: 3000,
        workers: 1,
        databaseUrl: undefined,
        database: { poolSize: 10, timeout: 5 },
        jwt: {
          accessKeys: [{ kid: expect.any(String), privateKey: expect.anything() }],
          refreshSecret: expect.any(String),
          generatedSecrets: true,
          accessTtl: 15 * 60,
          refreshTtl: 7 * 86400,
          refreshReuseGrace: 10,
        },
        sessionMaxAge: 30 * 86400,
        auditRetention: 90 * 86400,
        passwordMinLength: 8,
        admin: undefined,
        signin: { maxFailures: 5, window: 15 * 60 },
        rateLimitPerMinute: 60,
        redisUrl: undefined,
        trustProxy: false,
        corsOrigins: [],
        log: { level: 'info', format: 'pretty' },
        shutdownTimeout: 10,
        mail: {
          smtpUrl: undefined,
          from: 'nest-jwt-auth <no-reply@localhost>',
          appUrl: 'http://localhost:3000/demo',
          passwordResetTtl: 3600,
          emailVerifyTtl: 86400,
        },
      });
    });

    it('generates a random P-256 access key and refresh secret per process, different between calls', () => {
      const [key] = config.jwt.accessKeys;
      expect(key.privateKey.type).toBe('private');
      expect(key.privateKey.asymmetricKeyDetails).toEqual({ namedCurve: 'prime256v1' });
      expect(config.jwt.refreshSecret.length).toBeGreaterThanOrEqual(32);
      const other = loadConfig({});
      expect(other.jwt.accessKeys[0].kid).not.toBe(key.kid);
      expect(other.jwt.accessKeys[0].privateKey.equals(key.privateKey)).toBe(false);
      expect(other.jwt.refreshSecret).not.toBe(config.jwt.refreshSecret);
    });

    it('treats empty and blank variables as unset', () => {
      const blank = loadConfig({ PORT: '', JWT_ACCESS_TTL: '  ', DATABASE_URL: '', TRUST_PROXY: '', CORS_ORIGINS: '', ADMIN_PASSWORD: '' });
      expect(blank.port).toBe(3000);
      expect(blank.jwt.accessTtl).toBe(900);
      expect(blank.databaseUrl).toBeUndefined();
      expect(blank.trustProxy).toBe(false);
      expect(blank.corsOrigins).toEqual([]);
      expect(blank.admin).toBeUndefined();
    });
  });

  it('reads every variable', () => {
    const config = loadConfig({
      NODE_ENV: 'test',
      PORT: '8080',
      WEB_CONCURRENCY: '4',
      DATABASE_URL: 'postgresql://u:p@localhost/app',
      DATABASE_POOL_SIZE: '20',
      DATABASE_TIMEOUT: '3s',
      JWT_ACCESS_KEYS: ACCESS_KEYS,
      JWT_REFRESH_SECRET: REFRESH,
      JWT_ACCESS_TTL: '5m',
      JWT_REFRESH_TTL: '1d',
      JWT_REFRESH_REUSE_GRACE: '0',
      SESSION_MAX_AGE: '2d',
      AUDIT_RETENTION: '30d',
      PASSWORD_MIN_LENGTH: '15',
      ADMIN_EMAIL: ' Admin@Example.COM ',
      ADMIN_PASSWORD: 'admin-password-1',
      SIGNIN_MAX_FAILURES: '3',
      SIGNIN_WINDOW: '600',
      RATE_LIMIT_PER_MINUTE: '120',
      REDIS_URL: 'redis://cache:6379',
      TRUST_PROXY: '2',
      CORS_ORIGINS: 'https://app.example.com',
      LOG_LEVEL: 'debug',
      LOG_FORMAT: 'json',
      SHUTDOWN_TIMEOUT: '30s',
      SMTP_URL: 'smtp://mailer:secret@mail.example.com:587',
      MAIL_FROM: 'Example <no-reply@example.com>',
      APP_URL: 'https://app.example.com/',
      PASSWORD_RESET_TTL: '15m',
      EMAIL_VERIFY_TTL: '2h',
    });
    expect(config).toEqual({
      nodeEnv: 'test',
      port: 8080,
      workers: 4,
      databaseUrl: 'postgresql://u:p@localhost/app',
      database: { poolSize: 20, timeout: 3 },
      jwt: {
        accessKeys: [
          { kid: 'first', privateKey: expect.anything() },
          { kid: 'second', privateKey: expect.anything() },
        ],
        refreshSecret: REFRESH,
        generatedSecrets: false,
        accessTtl: 300,
        refreshTtl: 86400,
        refreshReuseGrace: 0,
      },
      sessionMaxAge: 2 * 86400,
      auditRetention: 30 * 86400,
      passwordMinLength: 15,
      admin: { email: 'admin@example.com', password: 'admin-password-1' },
      signin: { maxFailures: 3, window: 600 },
      rateLimitPerMinute: 120,
      redisUrl: 'redis://cache:6379',
      trustProxy: 2,
      corsOrigins: ['https://app.example.com'],
      log: { level: 'debug', format: 'json' },
      shutdownTimeout: 30,
      mail: {
        smtpUrl: 'smtp://mailer:secret@mail.example.com:587',
        from: 'Example <no-reply@example.com>',
        appUrl: 'https://app.example.com/',
        passwordResetTtl: 900,
        emailVerifyTtl: 7200,
      },
    });
  });

  describe('JWT_REFRESH_SECRET', () => {
    it.each([
      ['JWT_REFRESH_SECRET', { JWT_ACCESS_KEYS: ACCESS_KEYS, JWT_REFRESH_SECRET: 'r'.repeat(31) }],
      ['JWT_REFRESH_SECRET', { JWT_REFRESH_SECRET: 'short' }],
    ])('%s shorter than 32 characters is refused', (variable, env) => {
      expectRefused(env, variable);
    });

    it('32 characters are enough', () => {
      const config = loadConfig({ JWT_ACCESS_KEYS: ACCESS_KEYS, JWT_REFRESH_SECRET: REFRESH });
      expect(config.jwt).toMatchObject({ refreshSecret: REFRESH, generatedSecrets: false });
    });

    it('the keys set, the refresh secret generated: flagged as generated', () => {
      const config = loadConfig({ JWT_ACCESS_KEYS: ACCESS_KEYS });
      expect(config.jwt.accessKeys.map((key) => key.kid)).toEqual(['first', 'second']);
      expect(config.jwt.refreshSecret.length).toBeGreaterThanOrEqual(32);
      expect(config.jwt.generatedSecrets).toBe(true);
    });
  });

  describe('JWT_ACCESS_KEYS', () => {
    it('keeps the order of the set (the first signs) and parses each private key once', () => {
      const { accessKeys } = loadConfig({ JWT_ACCESS_KEYS: keySet(SECOND, FIRST) }).jwt;
      expect(accessKeys.map((key) => key.kid)).toEqual(['second', 'first']);
      for (const key of accessKeys) {
        expect(key.privateKey.type).toBe('private');
        expect(key.privateKey.asymmetricKeyDetails).toEqual({ namedCurve: 'prime256v1' });
      }
      expect(accessKeys[0].privateKey.export({ format: 'jwk' }).d).toBe(SECOND.d);
    });

    it('reads @path/to/file.json', () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'access-keys-'));
      try {
        const file = path.join(dir, 'keys.json');
        writeFileSync(file, ACCESS_KEYS);
        expect(loadConfig({ JWT_ACCESS_KEYS: `@${file}` }).jwt.accessKeys.map((key) => key.kid)).toEqual(['first', 'second']);
        const error = expectRefused({ JWT_ACCESS_KEYS: `@${path.join(dir, 'missing.json')}` }, 'JWT_ACCESS_KEYS');
        expect(error.message).toContain('missing.json');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    const { d: _d, ...publicOnly } = FIRST;
    const rsa = { ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }), kid: 'rsa' };
    const p384 = { ...generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ format: 'jwk' }), kid: 'p384' };
    it.each([
      ['not JSON', '{keys: nope}'],
      ['a single key, not a set', JSON.stringify(FIRST)],
      ['an empty set', keySet()],
      ['keys not an array', JSON.stringify({ keys: FIRST })],
      ['a key that is not an object', keySet('key')],
      ['a key without kid', keySet({ ...FIRST, kid: undefined })],
      ['an empty kid', keySet(privateJwk(''))],
      ['a kid with a space', keySet(privateJwk('a b'))],
      ['a kid twice', keySet(FIRST, privateJwk('first'))],
      ['a public key only (no d)', keySet(publicOnly)],
      ['an RSA key', keySet(rsa)],
      ['a P-384 key', keySet(p384)],
      ['a symmetric key', keySet({ kty: 'oct', k: 'c2VjcmV0', kid: 'oct' })],
      ['alg other than ES256', keySet(privateJwk('k', { alg: 'HS256' }))],
      ['use other than sig', keySet(privateJwk('k', { use: 'enc' }))],
      ['a d that is not a P-256 scalar', keySet({ ...FIRST, d: 'AAAA' })],
      ['x and y of another key', keySet({ ...FIRST, x: SECOND.x, y: SECOND.y })],
    ])('%s is refused, naming JWT_ACCESS_KEYS and showing no key material', (_, value) => {
      const error = expectRefused({ JWT_ACCESS_KEYS: value }, 'JWT_ACCESS_KEYS');
      for (const secret of [FIRST.d, SECOND.d, rsa.d, p384.d]) expect(error.message).not.toContain(secret);
    });

    it('JWT_ACCESS_SECRET is refused (gone), naming JWT_ACCESS_KEYS, with or without the keys', () => {
      for (const env of [{ JWT_ACCESS_SECRET: 'a'.repeat(32) }, { JWT_ACCESS_SECRET: 'a'.repeat(32), JWT_ACCESS_KEYS: ACCESS_KEYS }]) {
        const error = expectRefused(env, 'JWT_ACCESS_SECRET');
        expect(error.message).toContain('JWT_ACCESS_KEYS');
        expect(error.message).not.toContain('a'.repeat(32));
      }
    });
  });

  describe('production', () => {
    it('starts with DATABASE_URL, the access keys and the refresh secret; logs default to json', () => {
      const config = loadConfig(PRODUCTION);
      expect(config.nodeEnv).toBe('production');
      expect(config.log.format).toBe('json');
      expect(config.jwt.generatedSecrets).toBe(false);
    });

    it.each([
      ['DATABASE_URL', { ...PRODUCTION, DATABASE_URL: undefined }],
      ['DATABASE_URL', { ...PRODUCTION, DATABASE_URL: '  ' }],
      ['JWT_ACCESS_KEYS', { ...PRODUCTION, JWT_ACCESS_KEYS: undefined }],
      ['JWT_ACCESS_KEYS', { ...PRODUCTION, JWT_ACCESS_KEYS: ' ' }],
      ['JWT_REFRESH_SECRET', { ...PRODUCTION, JWT_REFRESH_SECRET: undefined }],
      ['JWT_ACCESS_KEYS', { NODE_ENV: 'production', DATABASE_URL: 'postgres://db/app' }],
      ['DATABASE_URL', { NODE_ENV: 'production' }],
      ['SMTP_URL', { ...PRODUCTION, SMTP_URL: undefined }],
    ])('refuses to start without %s', (variable, env) => {
      expectRefused(env, variable);
    });

    it('refuses to start without MFA_ENCRYPTION_KEY', () => {
      expectRefused({ ...PRODUCTION, MFA_ENCRYPTION_KEY: undefined }, 'MFA_ENCRYPTION_KEY');
    });

    it('production still refuses short secrets', () => {
      expectRefused({ ...PRODUCTION, JWT_REFRESH_SECRET: 'too-short' }, 'JWT_REFRESH_SECRET');
    });
  });

  describe('mail', () => {
    it('reads SMTP_URL (smtp:// or smtps://), MAIL_FROM, APP_URL and the token lifetimes', () => {
      const config = loadConfig({
        SMTP_URL: 'smtps://user:pass@mail.example.com:465',
        MAIL_FROM: 'Example <no-reply@example.com>',
        APP_URL: 'https://app.example.com/account',
        PASSWORD_RESET_TTL: '30m',
        EMAIL_VERIFY_TTL: '2d',
      });
      expect(config.mail).toEqual({
        smtpUrl: 'smtps://user:pass@mail.example.com:465',
        from: 'Example <no-reply@example.com>',
        appUrl: 'https://app.example.com/account',
        passwordResetTtl: 1800,
        emailVerifyTtl: 172800,
      });
      expect(loadConfig({ SMTP_URL: 'smtp://127.0.0.1:2525' }).mail.smtpUrl).toBe('smtp://127.0.0.1:2525');
      // By default the links lead to this service's own demo page, on its port.
      expect(loadConfig({ PORT: '8080' }).mail.appUrl).toBe('http://localhost:8080/demo');
    });

    it.each([
      ['SMTP_URL', { SMTP_URL: 'http://mail.example.com' }],
      ['SMTP_URL', { SMTP_URL: 'smtp://' }],
      ['MAIL_FROM', { MAIL_FROM: 'no address' }],
      ['APP_URL', { APP_URL: 'javascript:alert(1)' }],
      ['APP_URL', { APP_URL: 'https://app.example.com/#page' }],
      ['APP_URL', { APP_URL: 'not a url' }],
      ['PASSWORD_RESET_TTL', { PASSWORD_RESET_TTL: '10s' }],
      ['EMAIL_VERIFY_TTL', { EMAIL_VERIFY_TTL: 'soon' }],
    ])('refuses a bad %s', (variable, env) => {
      expectRefused(env, variable);
    });
  });

  describe('MFA_ENCRYPTION_KEY', () => {
    it('is unset by default outside production (a key kept under .data/ is used)', () => {
      expect(loadConfig({}).mfaEncryptionKey).toBeUndefined();
    });

    it('takes 32 bytes in base64', () => {
      const key = Buffer.alloc(32, 9);
      expect(loadConfig({ MFA_ENCRYPTION_KEY: key.toString('base64') }).mfaEncryptionKey).toEqual(key);
    });

    it.each(['short', Buffer.alloc(16).toString('base64'), Buffer.alloc(33).toString('base64'), 'not base64 at all!'])(
      'refuses %s without echoing it',
      (value) => {
        const error = expectRefused({ MFA_ENCRYPTION_KEY: value }, 'MFA_ENCRYPTION_KEY');
        expect(error.message).not.toContain(value);
      },
    );
  });

  describe('durations', () => {
    it.each(['JWT_ACCESS_TTL', 'JWT_REFRESH_TTL', 'SESSION_MAX_AGE', 'SIGNIN_WINDOW', 'SHUTDOWN_TIMEOUT', 'AUDIT_RETENTION'])(
      '%s takes seconds or a unit suffix',
      (variable) => {
        // Keep JWT_REFRESH_TTL <= SESSION_MAX_AGE whatever is being set.
        const base = { JWT_REFRESH_TTL: '60', SESSION_MAX_AGE: '30d' };
        const key = (config: ReturnType<typeof loadConfig>) =>
          ({
            JWT_ACCESS_TTL: config.jwt.accessTtl,
            JWT_REFRESH_TTL: config.jwt.refreshTtl,
            SESSION_MAX_AGE: config.sessionMaxAge,
            SIGNIN_WINDOW: config.signin.window,
            JWT_REFRESH_REUSE_GRACE: config.jwt.refreshReuseGrace,
            SHUTDOWN_TIMEOUT: config.shutdownTimeout,
            AUDIT_RETENTION: config.auditRetention,
          })[variable];
        expect(key(loadConfig({ ...base, [variable]: '120' }))).toBe(120);
        expect(key(loadConfig({ ...base, [variable]: '2m' }))).toBe(120);
        expect(key(loadConfig({ ...base, [variable]: '1h' }))).toBe(3600);
      },
    );

    it.each([
      ['JWT_ACCESS_TTL', 'abc'],
      ['JWT_ACCESS_TTL', '15 minutes'],
      ['JWT_ACCESS_TTL', '-5'],
      ['JWT_ACCESS_TTL', '1.5m'],
      ['JWT_ACCESS_TTL', '0'],
      ['JWT_ACCESS_TTL', '0s'],
      ['JWT_REFRESH_TTL', '7 days'],
      ['JWT_REFRESH_TTL', '0'],
      ['SESSION_MAX_AGE', 'forever'],
      ['SESSION_MAX_AGE', '0d'],
      ['SIGNIN_WINDOW', '15x'],
      ['SIGNIN_WINDOW', '0'],
      ['JWT_REFRESH_REUSE_GRACE', '-1s'],
      ['JWT_REFRESH_REUSE_GRACE', 'ten'],
      ['SHUTDOWN_TIMEOUT', '10 s'],
      ['AUDIT_RETENTION', '0'],
      ['AUDIT_RETENTION', '90 days'],
    ])('%s=%j is refused', (variable, value) => {
      const error = expectRefused({ [variable]: value }, variable);
      expect(error.message).toContain(value);
    });

    it('JWT_REFRESH_REUSE_GRACE takes seconds or a unit suffix, at most 60 s', () => {
      expect(loadConfig({ JWT_REFRESH_REUSE_GRACE: '45' }).jwt.refreshReuseGrace).toBe(45);
      expect(loadConfig({ JWT_REFRESH_REUSE_GRACE: '1m' }).jwt.refreshReuseGrace).toBe(60);
      expect(loadConfig({ JWT_REFRESH_REUSE_GRACE: '60s' }).jwt.refreshReuseGrace).toBe(60);
      for (const value of ['61', '61s', '2m', '1h', '1d']) expectRefused({ JWT_REFRESH_REUSE_GRACE: value }, 'JWT_REFRESH_REUSE_GRACE');
    });

    it('a zero grace window and a zero shutdown timeout are allowed', () => {
      const config = loadConfig({ JWT_REFRESH_REUSE_GRACE: '0', SHUTDOWN_TIMEOUT: '0' });
      expect(config.jwt.refreshReuseGrace).toBe(0);
      expect(config.shutdownTimeout).toBe(0);
    });

    it('JWT_REFRESH_TTL longer than SESSION_MAX_AGE is refused', () => {
      expectRefused({ JWT_REFRESH_TTL: '8d', SESSION_MAX_AGE: '7d' }, 'JWT_REFRESH_TTL');
      expectRefused({ SESSION_MAX_AGE: '1d' }, 'JWT_REFRESH_TTL');
      expect(loadConfig({ JWT_REFRESH_TTL: '7d', SESSION_MAX_AGE: '7d' }).jwt.refreshTtl).toBe(7 * 86400);
    });
  });

  describe('DATABASE_POOL_SIZE / DATABASE_TIMEOUT', () => {
    it.each([
      ['DATABASE_POOL_SIZE', '0'],
      ['DATABASE_POOL_SIZE', 'ten'],
      ['DATABASE_TIMEOUT', '0'],
      ['DATABASE_TIMEOUT', '5 minutes'],
    ])('%s=%j is refused, naming the variable', (name, value) => {
      expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^${name}: `));
    });
  });

  describe('PORT', () => {
    it.each([
      ['0', 0],
      ['1', 1],
      ['65535', 65535],
      [' 8080 ', 8080],
    ])('%j is accepted', (value, port) => {
      expect(loadConfig({ PORT: value }).port).toBe(port);
    });

    it.each(['65536', '-1', 'abc', '3000.5', '1e3', '0x50', '99999999999999999999'])('%j is refused', (value) => {
      expectRefused({ PORT: value }, 'PORT');
    });
  });

  describe('WEB_CONCURRENCY', () => {
    /** What a cluster needs besides the variable: an external database and keys every worker shares. */
    const SHARED = { DATABASE_URL: 'postgres://u:p@db:5432/app', JWT_ACCESS_KEYS: ACCESS_KEYS, JWT_REFRESH_SECRET: REFRESH };

    it.each([
      ['1', 1],
      ['2', 2],
      [' 8 ', 8],
      ['64', 64],
    ])('%j is accepted', (value, workers) => {
      expect(loadConfig({ ...SHARED, WEB_CONCURRENCY: value }).workers).toBe(workers);
    });

    it('defaults to 1 (one process, no cluster), also in production', () => {
      expect(loadConfig({}).workers).toBe(1);
      expect(loadConfig({ WEB_CONCURRENCY: '' }).workers).toBe(1);
      expect(loadConfig(PRODUCTION).workers).toBe(1);
    });

    it.each(['0', '65', '-1', '1.5', 'two', 'auto', '2x', '1e1', '0x2'])('%j is refused with the range', (value) => {
      const error = expectRefused({ ...SHARED, WEB_CONCURRENCY: value }, 'WEB_CONCURRENCY');
      expect(error.message).toBe(`WEB_CONCURRENCY: must be a whole number from 1 to 64 (got "${value}")`);
    });

    it('above 1 needs DATABASE_URL: the embedded development database serves one process', () => {
      const error = expectRefused({ JWT_ACCESS_KEYS: ACCESS_KEYS, JWT_REFRESH_SECRET: REFRESH, WEB_CONCURRENCY: '2' }, 'DATABASE_URL');
      expect(error.message).toMatch(/WEB_CONCURRENCY is above 1/);
    });

    it.each([
      ['JWT_ACCESS_KEYS', { DATABASE_URL: SHARED.DATABASE_URL, JWT_REFRESH_SECRET: REFRESH }],
      ['JWT_REFRESH_SECRET', { DATABASE_URL: SHARED.DATABASE_URL, JWT_ACCESS_KEYS: ACCESS_KEYS }],
    ])('above 1 needs %s: keys generated by each worker would refuse the tokens of the others', (variable, env) => {
      const error = expectRefused({ ...env, WEB_CONCURRENCY: '2' }, variable);
      expect(error.message).toMatch(/WEB_CONCURRENCY is above 1/);
      expect(loadConfig({ ...env, WEB_CONCURRENCY: '1' }).jwt.generatedSecrets).toBe(true);
    });
  });

  describe('TRUST_PROXY', () => {
    it.each([
      ['true', true],
      ['false', false],
      ['1', 1],
      ['2', 2],
      ['0', 0],
      ['10.0.0.1', ['10.0.0.1']],
      ['10.0.0.0/8, 192.168.1.1', ['10.0.0.0/8', '192.168.1.1']],
      ['::1,2001:db8::/32', ['::1', '2001:db8::/32']],
      ['loopback, uniquelocal', ['loopback', 'uniquelocal']],
    ])('%j is %j', (value, expected) => {
      expect(loadConfig({ TRUST_PROXY: value }).trustProxy).toEqual(expected);
    });

    it('defaults to false', () => {
      expect(loadConfig({}).trustProxy).toBe(false);
    });

    it.each(['yes', 'on', '-1', '1.5', '10.0.0.1/8x', 'true,false', '10.0.0.0/33', '300.1.1.1', '10.0.0.1,,', 'example.com'])(
      '%j is refused',
      (value) => {
        expectRefused({ TRUST_PROXY: value }, 'TRUST_PROXY');
      },
    );

    it('true (every hop trusted: any client chooses its own address) is refused in production; a hop count or a list is not', () => {
      const error = expectRefused({ ...PRODUCTION, TRUST_PROXY: 'true' }, 'TRUST_PROXY');
      expect(error.message).toMatch(/production/);
      expect(loadConfig({ ...PRODUCTION, TRUST_PROXY: '1' }).trustProxy).toBe(1);
      expect(loadConfig({ ...PRODUCTION, TRUST_PROXY: '10.0.0.0/8' }).trustProxy).toEqual(['10.0.0.0/8']);
    });
  });

  describe('CORS_ORIGINS', () => {
    it('is a comma-separated list of origins, spaces and empty items ignored', () => {
      expect(loadConfig({ CORS_ORIGINS: 'https://app.example.com, http://localhost:5173 ,,' }).corsOrigins).toEqual([
        'https://app.example.com',
        'http://localhost:5173',
      ]);
    });

    it('a single origin with a port', () => {
      expect(loadConfig({ CORS_ORIGINS: 'https://app.example.com:8443' }).corsOrigins).toEqual(['https://app.example.com:8443']);
    });

    it.each(['app.example.com', '*', 'https://app.example.com/', 'https://app.example.com/path', 'https://ok.example.com,not an origin'])(
      '%j is refused',
      (value) => {
        expectRefused({ CORS_ORIGINS: value }, 'CORS_ORIGINS');
      },
    );
  });

  describe('ADMIN_EMAIL / ADMIN_PASSWORD', () => {
    it('ADMIN_PASSWORD without ADMIN_EMAIL is refused, naming ADMIN_EMAIL', () => {
      const error = expectRefused({ ADMIN_PASSWORD: 'admin-password-1' }, 'ADMIN_EMAIL');
      expect(error.message).not.toContain('admin-password-1');
    });

    it('ADMIN_EMAIL alone is accepted (the password is only needed to create the admin)', () => {
      expect(loadConfig({ ADMIN_EMAIL: 'root@example.com' }).admin).toEqual({ email: 'root@example.com', password: undefined });
    });

    it('ADMIN_EMAIL is trimmed and lower-cased; ADMIN_PASSWORD is kept as given', () => {
      expect(loadConfig({ ADMIN_EMAIL: '  Root@Example.COM ', ADMIN_PASSWORD: ' Pass word 1 ' }).admin).toEqual({
        email: 'root@example.com',
        password: ' Pass word 1 ',
      });
    });

    it.each(['not-an-email', 'root@', '@example.com'])('ADMIN_EMAIL %j is refused', (email) => {
      expectRefused({ ADMIN_EMAIL: email, ADMIN_PASSWORD: 'admin-password-1' }, 'ADMIN_EMAIL');
    });
  });

  describe('other variables', () => {
    it.each([
      ['NODE_ENV', 'staging'],
      ['DATABASE_URL', 'mysql://u:p@db/app'],
      ['DATABASE_URL', 'localhost:5432'],
      ['PASSWORD_MIN_LENGTH', '0'],
      ['PASSWORD_MIN_LENGTH', '129'],
      ['PASSWORD_MIN_LENGTH', 'eight'],
      ['SIGNIN_MAX_FAILURES', '0'],
      ['RATE_LIMIT_PER_MINUTE', '0'],
      ['RATE_LIMIT_PER_MINUTE', '-10'],
      ['REDIS_URL', 'http://cache:6379'],
      ['LOG_LEVEL', 'verbose'],
      ['LOG_FORMAT', 'xml'],
    ])('%s=%j is refused', (variable, value) => {
      expectRefused({ [variable]: value }, variable);
    });

    it('accepts rediss:// and postgres:// URLs', () => {
      const config = loadConfig({ REDIS_URL: 'rediss://cache:6380', DATABASE_URL: 'postgres://db/app' });
      expect(config.redisUrl).toBe('rediss://cache:6380');
      expect(config.databaseUrl).toBe('postgres://db/app');
    });
  });
});
