// Jest global set-up (plain ESM: Jest does not transform it here). Picks the PostgreSQL server the
// e2e suite runs against and hands its admin URL to the test files in TEST_DATABASE_URL:
// - TEST_DATABASE_URL already set: that server (CI also runs the suite against 127.0.0.1:5432);
// - otherwise: an embedded PostgreSQL in a temporary directory, stopped in global teardown.
// Each test file then gets its own database, copied from a template migrated once per run.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, startEmbeddedPostgres } from '../../src/database/embedded-postgres.js';
import { convertCjsPackage } from './cjs-to-esm.js';

export default async function globalSetup() {
  process.env.TEST_RUN_ID = randomBytes(4).toString('hex');
  convertCjsPackage('@nestjs/throttler', path.resolve(import.meta.dirname, '../.cache/nestjs-throttler'));
  if (process.env.TEST_DATABASE_URL) return;
  const root = mkdtempSync(path.join(tmpdir(), 'nest-jwt-auth-test-'));
  chmodSync(root, 0o755); // the server runs as the `postgres` user when we are root
  const server = await startEmbeddedPostgres({
    dataDir: path.join(root, 'pg'),
    port: await freePort(),
    // A throw-away cluster: durability buys nothing here and costs seconds.
    settings: ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off', 'max_connections=300'],
  });
  process.env.TEST_DATABASE_URL = server.url;
  globalThis.__embeddedTestDatabase = { server, root };
}
