// The migrator (src/database/migrator.ts) applied again, at once from several callers and processes, and
// over a migration edited after it was applied; and what start-up does with the latter.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { migrate, MigrationError, MIGRATIONS_DIR, readMigrations } from '../../src/database/migrator.js';
import { BUILT_MIGRATOR, ensureBuilt, PROJECT_ROOT, startService, stopAllServices } from '../support/service-process.js';
import { createTestDatabase, databaseUrl, query } from '../support/test-database.js';

const created: string[] = [];

/** An empty database (no template: nothing migrated), dropped in afterAll (or by the global teardown). */
async function emptyDatabase(): Promise<string> {
  const name = `njatest_${process.env.TEST_RUN_ID ?? 'local'}_mig_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  created.push(name);
  return databaseUrl(name);
}

/** Everything a migration can change, plus its bookkeeping, as comparable text. */
async function schemaOf(url: string): Promise<string> {
  const parts = await Promise.all([
    query(
      url,
      `SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns
                 WHERE table_schema = 'public' ORDER BY table_name, ordinal_position`,
    ),
    query(url, `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexname`),
    query(
      url,
      `SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY conname`,
    ),
    query(url, `SELECT tgname, tgrelid::regclass::text AS tbl FROM pg_trigger WHERE NOT tgisinternal ORDER BY tgname`),
    query(url, `SELECT proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace ORDER BY proname`),
    query(url, `SELECT typname FROM pg_type WHERE typnamespace = 'public'::regnamespace AND typtype = 'e' ORDER BY typname`),
    query(
      url,
      `SELECT id, checksum, migration_name, started_at, finished_at, rolled_back_at, applied_steps_count
                  FROM _prisma_migrations ORDER BY migration_name`,
    ),
  ]);
  return JSON.stringify(parts);
}

const appliedRows = (url: string) =>
  query<{ migration_name: string; n: number }>(
    url,
    'SELECT migration_name, count(*)::int AS n FROM _prisma_migrations GROUP BY migration_name ORDER BY migration_name',
  );

describe('migrations: idempotent, one at a time, tamper-evident', () => {
  let names: string[];

  beforeAll(async () => {
    names = (await readMigrations()).map((migration) => migration.name);
    expect(names.length).toBeGreaterThan(0);
  });

  afterAll(async () => {
    await stopAllServices();
    const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await admin.connect();
    for (const name of created) await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  });

  it('applied twice: the second run applies nothing and changes nothing', async () => {
    const url = await emptyDatabase();
    expect(await migrate(url)).toEqual(names);
    const once = await schemaOf(url);
    expect(await migrate(url)).toEqual([]);
    expect(await schemaOf(url)).toBe(once);
    expect(await appliedRows(url)).toEqual(names.map((migration_name) => ({ migration_name, n: 1 })));
  });

  it('two migrate() calls at once: both succeed, every migration is applied exactly once', async () => {
    const url = await emptyDatabase();
    const results = await Promise.all([migrate(url), migrate(url)]);
    expect(results.flat().sort()).toEqual(names);
    expect(await appliedRows(url)).toEqual(names.map((migration_name) => ({ migration_name, n: 1 })));
  });

  describe('from separate processes (the built migrator)', () => {
    beforeAll(async () => {
      const build = await ensureBuilt();
      console.log(build.built ? `nest build: ${(build.ms / 1000).toFixed(1)} s` : 'nest build: up to date, reused');
    }, 360_000);

    it('two processes migrating one database at the same moment: both exit 0, every migration applied exactly once', async () => {
      const url = await emptyDatabase();
      // Each process loads the migrator, then waits for the same instant to call migrate().
      const startAt = Date.now() + 2000;
      const script = `
        const { migrate } = await import(${JSON.stringify(pathToFileURL(BUILT_MIGRATOR).href)});
        await new Promise((resolve) => setTimeout(resolve, ${startAt} - Date.now()));
        console.log(JSON.stringify(await migrate(process.env.DATABASE_URL)));`;
      const run = () =>
        new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
          const child = execFile(
            process.execPath,
            ['--input-type=module', '-e', script],
            { cwd: PROJECT_ROOT, env: { PATH: process.env.PATH, DATABASE_URL: url }, timeout: 60_000 },
            (_error, stdout, stderr) => resolve({ code: child.exitCode, stdout, stderr }),
          );
        });
      const runs = await Promise.all([run(), run()]);
      expect(runs.map((r) => ({ code: r.code, stderr: r.stderr }))).toEqual(Array(2).fill({ code: 0, stderr: '' }));
      const applied = runs.map((r) => JSON.parse(r.stdout) as string[]);
      expect(applied.flat().sort()).toEqual(names);
      expect(await appliedRows(url)).toEqual(names.map((migration_name) => ({ migration_name, n: 1 })));
    }, 90_000);

    it('start-up against a database whose applied migration differs: exit 1, one clear line on stderr naming it', async () => {
      const database = await createTestDatabase();
      try {
        const [first] = names;
        await query(database.url, `UPDATE _prisma_migrations SET checksum = repeat('0', 64) WHERE migration_name = $1`, [first]);
        const service = await startService({ databaseUrl: database.url, waitHealthy: false });
        const exit = await service.exited;
        expect(exit).toMatchObject({ code: 1, signal: null });
        expect(service.stderr).toEqual([expect.stringContaining(first)]);
        expect(service.stderr[0]).toMatch(/modified/);
        expect(service.output.join('\n')).not.toMatch(/^\s+at /m);
        console.log(`start-up refused: ${service.stderr[0]}`);
        // And it refused before touching anything: the bookkeeping is as it was.
        const rows = await query<{ checksum: string }>(database.url, 'SELECT checksum FROM _prisma_migrations WHERE migration_name = $1', [
          first,
        ]);
        expect(rows).toEqual([{ checksum: '0'.repeat(64) }]);
      } finally {
        await database.drop();
      }
    }, 90_000);
  });

  it('a migration edited after it was applied: MigrationError naming it, and nothing applied', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'nest-jwt-auth-migrations-'));
    try {
      cpSync(MIGRATIONS_DIR, dir, { recursive: true });
      const url = await emptyDatabase();
      expect(await migrate(url, dir)).toEqual(names);
      const before = await schemaOf(url);

      const edited = names[names.length - 1];
      appendFileSync(path.join(dir, edited, 'migration.sql'), '\nCREATE TABLE sneaked_in (id int);\n');
      const attempt = migrate(url, dir);
      await expect(attempt).rejects.toBeInstanceOf(MigrationError);
      await expect(attempt).rejects.toThrow(new RegExp(`migration ${edited} was modified after it was applied`));

      expect(await schemaOf(url)).toBe(before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
