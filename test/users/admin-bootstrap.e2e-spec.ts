import { type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import pg from 'pg';
import request from 'supertest';
import { PASSWORD, bearer, signIn, signUp } from '../support/api.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const ADMIN_PASSWORD = 'bootstrap-admin-password-42';

/**
 * createApp() does not close an application whose init() failed, so a failed start-up leaks its
 * pool and timers (an hourly @Interval keeps Jest from exiting). Every application that NestFactory
 * creates is recorded, so that the test can close the one a failed start-up left behind.
 */
const created: INestApplication[] = [];
const originalCreate = NestFactory.create;
beforeAll(() => {
  NestFactory.create = async function (this: typeof NestFactory, ...args: unknown[]) {
    const app = await (originalCreate as (...a: unknown[]) => Promise<INestApplication>).apply(this, args);
    created.push(app);
    return app;
  } as typeof NestFactory.create;
});
afterAll(() => {
  NestFactory.create = originalCreate;
});

/** Starts the app, expects start-up to fail, closes what it left behind and returns the error. */
async function expectStartUpFailure(...args: Parameters<typeof startTestApp>): Promise<Error> {
  const before = created.length;
  const error = await startTestApp(...args).then(
    () => {
      throw new Error('start-up succeeded but should have failed');
    },
    (e: unknown) => e as Error,
  );
  for (const app of created.splice(before)) await app.close().catch(() => undefined);
  return error;
}

describe('bootstrap admin (ADMIN_EMAIL / ADMIN_PASSWORD at start-up)', () => {
  /** Apps and databases opened by a test, closed after it whatever happened. */
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    while (cleanups.length > 0) await cleanups.pop()!();
  }, 30_000);
  const start = async (...args: Parameters<typeof startTestApp>): Promise<TestApp> => {
    const app = await startTestApp(...args);
    cleanups.push(() => app.close());
    return app;
  };
  const freshDatabase = async (): Promise<TestDatabase> => {
    const database = await createTestDatabase();
    cleanups.push(() => database.drop());
    return database;
  };

  it('creates the admin when absent (role ADMIN, email normalised, argon2 hash); it signs in and uses admin routes; a restart changes nothing', async () => {
    const t = await start({ ADMIN_EMAIL: ' Boss@Example.COM ', ADMIN_PASSWORD });
    const stored = await t.prisma.user.findMany();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ email: 'boss@example.com', role: 'ADMIN' });
    expect(stored[0].passwordHash).toMatch(/^\$argon2id\$/);
    expect(stored[0].passwordHash).not.toContain(ADMIN_PASSWORD);

    const admin = await signIn(t.http, 'boss@example.com', ADMIN_PASSWORD);
    expect(admin.role).toBe('ADMIN');
    const list = await request(t.http).get('/users').set(bearer(admin.accessToken));
    expect(list.status).toBe(200);
    expect(list.body).toEqual([expect.objectContaining({ id: stored[0].id, email: 'boss@example.com', role: 'ADMIN' })]);

    // A restart with the admin present (and another ADMIN_PASSWORD) writes nothing: no duplicate, password untouched.
    const restarted = await start({ ADMIN_EMAIL: 'boss@example.com', ADMIN_PASSWORD: 'another-password-99' }, t.database);
    expect(await restarted.prisma.user.findMany()).toEqual(stored);
    await signIn(restarted.http, 'boss@example.com', ADMIN_PASSWORD);
    const wrong = await request(restarted.http).post('/auth/signin').send({ email: 'boss@example.com', password: 'another-password-99' });
    expect(wrong.status).toBe(401);
  }, 30_000);

  it('promotes an existing USER (matched case-insensitively) when ADMIN_PASSWORD is its password; the hash is untouched', async () => {
    const first = await start();
    const user = await signUp(first.http, 'existing@example.com', ADMIN_PASSWORD);
    expect(user.role).toBe('USER');
    const before = await first.prisma.user.findUniqueOrThrow({ where: { id: user.id } });

    const second = await start({ ADMIN_EMAIL: 'Existing@Example.com', ADMIN_PASSWORD }, first.database);
    const after = await second.prisma.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(after.role).toBe('ADMIN');
    expect(after.passwordHash).toBe(before.passwordHash);
    expect(after.createdAt).toEqual(before.createdAt);
    expect(await second.prisma.user.count()).toBe(1);

    const admin = await signIn(second.http, 'existing@example.com', ADMIN_PASSWORD);
    expect(admin.role).toBe('ADMIN');
    expect((await request(second.http).get('/users').set(bearer(admin.accessToken))).status).toBe(200);
  }, 30_000);

  it.each([
    ['another password', { ADMIN_PASSWORD: 'the-operators-own-password-1' }],
    ['ADMIN_PASSWORD unset', {}],
    ['a password that fails the policy', { ADMIN_PASSWORD: 'short' }],
  ])(
    'does not promote an account squatting ADMIN_EMAIL (%s): an error names ADMIN_EMAIL, the account is untouched, start-up goes on',
    async (_, env) => {
      const first = await start();
      const squatter = await signUp(first.http, 'squatted@example.com', PASSWORD);
      const before = await first.prisma.user.findUniqueOrThrow({ where: { id: squatter.id } });

      const second = await start({ ADMIN_EMAIL: 'squatted@example.com', ...env }, first.database);
      expect(await second.prisma.user.findUniqueOrThrow({ where: { id: squatter.id } })).toEqual(before);
      expect((await signIn(second.http, 'squatted@example.com', PASSWORD)).role).toBe('USER');
      const list = await request(second.http)
        .get('/users')
        .set(bearer((await signIn(second.http, 'squatted@example.com', PASSWORD)).accessToken));
      expect(list.status).toBe(403);
      const errors = second.logs.filter((line) => line.level === 50 && /ADMIN_EMAIL/.test(String(line.msg)));
      expect(errors).toHaveLength(1);
      expect(String(errors[0].msg)).not.toContain(PASSWORD);
      expect(String(errors[0].msg)).not.toContain('the-operators-own-password-1');
    },
    30_000,
  );

  it('start-up fails, naming ADMIN_PASSWORD, when the admin must be created with a too-short password; nothing is written', async () => {
    const database = await freshDatabase();
    const error = await expectStartUpFailure({ ADMIN_EMAIL: 'new-admin@example.com', ADMIN_PASSWORD: 'short' }, database);
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toMatch(/ADMIN_PASSWORD/);
    expect(error.message).not.toContain('\n');
    expect(error.message).not.toContain('short');

    // The same database still starts with a valid password: no half-created admin was left behind.
    const t = await start({ ADMIN_EMAIL: 'new-admin@example.com', ADMIN_PASSWORD }, database);
    expect(await t.prisma.user.count()).toBe(1);
    await signIn(t.http, 'new-admin@example.com', ADMIN_PASSWORD);
  }, 30_000);

  it('start-up fails, naming ADMIN_PASSWORD, when the admin must be created and ADMIN_PASSWORD is unset', async () => {
    const database = await freshDatabase();
    const error = await expectStartUpFailure({ ADMIN_EMAIL: 'nopass@example.com' }, database);
    expect(error.message).toMatch(/ADMIN_PASSWORD/);
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      expect((await client.query('SELECT count(*)::int AS n FROM users')).rows[0].n).toBe(0);
    } finally {
      await client.end();
    }
  }, 30_000);
});
