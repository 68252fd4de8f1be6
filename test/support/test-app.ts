import { type NestFastifyApplication } from '@nestjs/platform-fastify';
import { type Server } from 'node:http';
import { Writable } from 'node:stream';
import { createApp } from '../../src/app.factory.js';
import { createRootLogger } from '../../src/logging/root-logger.js';
import { loadConfig, type AppConfig, type Environment } from '../../src/config/app-config.js';
import { PrismaService } from '../../src/database/prisma.service.js';
import { accessKeySet, TEST_ACCESS_KEY } from './access-keys.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

export const TEST_SECRETS = {
  JWT_ACCESS_KEYS: accessKeySet(TEST_ACCESS_KEY),
  JWT_REFRESH_SECRET: 'test-refresh-secret-0123456789-abcdefghij',
  MFA_ENCRYPTION_KEY: Buffer.alloc(32, 5).toString('base64'),
};

/**
 * Every test client is 127.0.0.1: budgets high enough that only the tests about limits meet them
 * (they set their own values).
 */
const GENEROUS_LIMITS = { RATE_LIMIT_PER_MINUTE: '100000', SIGNIN_MAX_FAILURES: '1000' };

export interface TestApp {
  app: NestFastifyApplication;
  http: Server;
  prisma: PrismaService;
  config: AppConfig;
  database: TestDatabase;
  /** Every log line the app wrote (JSON, parsed), at LOG_LEVEL (default in tests: warn). */
  logs: Record<string, unknown>[];
  close(): Promise<void>;
}

/**
 * The service's own logger, writing into `lines` and echoing to stderr what explains a failure: errors, and the first
 * "database unavailable" warning (the cause of a 503; the tests that cut the database off would repeat it).
 */
function capturingLogger(config: AppConfig, lines: Record<string, unknown>[]) {
  let unavailableEchoed = false;
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      const line = JSON.parse(chunk.toString('utf8')) as Record<string, unknown>;
      lines.push(line);
      const firstUnavailable = !unavailableEchoed && String(line.msg).startsWith('database unavailable');
      if (firstUnavailable) unavailableEchoed = true;
      if ((typeof line.level === 'number' && line.level >= 50) || firstUnavailable) process.stderr.write(chunk);
      done();
    },
  });
  return createRootLogger(config, stream);
}

/** The real AppModule on Fastify, over a database of its own. Call close() in afterAll. */
export async function startTestApp(env: Environment = {}, database?: TestDatabase): Promise<TestApp> {
  const db = database ?? (await createTestDatabase());
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'warn', ...TEST_SECRETS, ...GENEROUS_LIMITS, ...env, DATABASE_URL: db.url });
  const logs: Record<string, unknown>[] = [];
  const app = await createApp(config, capturingLogger(config, logs));
  return {
    app,
    http: app.getHttpServer() as Server,
    prisma: app.get(PrismaService),
    config,
    database: db,
    logs,
    async close() {
      await app.close();
      if (!database) await db.drop();
    },
  };
}

/** An app's environment, or a function giving it for values known only once earlier hooks ran (an SMTP server's url). */
type TestEnvironment = Environment | (() => Environment);

/**
 * Starts the app in a beforeAll of the calling describe block and closes it in its afterAll. The object returned
 * stands for the started app (a proxy to it): read its fields in tests and hooks, where it has started; a read
 * before that throws.
 */
export function useTestApp(env: TestEnvironment = {}): TestApp {
  return useTestApps(env)[0];
}

/**
 * Like useTestApp for instances of one service: one app per environment, the later ones on the first one's
 * database; they close the last first.
 */
export function useTestApps(...envs: TestEnvironment[]): TestApp[] {
  const started: TestApp[] = [];
  beforeAll(async () => {
    for (const env of envs) started.push(await startTestApp(typeof env === 'function' ? env() : env, started[0]?.database));
  });
  afterAll(async () => {
    for (const app of [...started].reverse()) await app.close();
  });
  return envs.map(
    (_env, index) =>
      new Proxy({} as TestApp, {
        get(_target, field) {
          const app = started[index];
          if (!app) throw new Error(`the test app is read (${String(field)}) before its beforeAll started it`);
          return app[field as keyof TestApp];
        },
      }),
  );
}
