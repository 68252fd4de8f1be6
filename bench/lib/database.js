// The PostgreSQL of a benchmark run: DATABASE_URL's server when set, else an embedded one in a
// temporary directory; in either case a fresh database created for the run.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort, startEmbeddedPostgres } from '../../src/database/embedded-postgres.js';

/**
 * A throw-away cluster: durability buys nothing here, and an fsync per commit would make the write
 * endpoints (refresh, sign-in) measure this machine's disk rather than the code. Same server for the
 * service and the reference, so the ratios are unaffected.
 */
const EMBEDDED_SETTINGS = ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off', 'max_connections=200'];

/** @returns {Promise<{ adminUrl: string, embedded: boolean, describe: string, stop: () => Promise<void> }>} */
export async function startPostgres(log) {
  const external = process.env.DATABASE_URL?.trim();
  if (external) {
    return { adminUrl: external, embedded: false, describe: 'external (DATABASE_URL)', stop: async () => {} };
  }
  const root = mkdtempSync(path.join(tmpdir(), 'nest-jwt-auth-bench-'));
  chmodSync(root, 0o755); // the server runs as the `postgres` user when we are root
  const port = await freePort();
  log(`starting an embedded PostgreSQL on 127.0.0.1:${port} in ${root}`);
  let server;
  try {
    server = await startEmbeddedPostgres({ dataDir: path.join(root, 'pg'), port, settings: EMBEDDED_SETTINGS });
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
  return {
    adminUrl: server.url,
    embedded: true,
    describe: `embedded PostgreSQL (${EMBEDDED_SETTINGS.join(', ')})`,
    pid: server.pid,
    async stop() {
      await server.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Creates a database named for the run on the server; returns its URL and a function that drops it. */
export async function createDatabase(adminUrl) {
  const name = `bench_${new Date().toISOString().slice(0, 19).replace(/\D/g, '')}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** Server version, e.g. "18.1". */
export async function serverVersion(url) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query('SHOW server_version');
    return rows[0].server_version;
  } finally {
    await client.end();
  }
}
