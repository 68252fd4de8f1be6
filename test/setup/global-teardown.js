import { rmSync } from 'node:fs';
import pg from 'pg';

/** Drops this run's databases (on an external server) or stops the embedded one. */
export default async function globalTeardown() {
  const embedded = globalThis.__embeddedTestDatabase;
  if (embedded) {
    await embedded.server.stop();
    rmSync(embedded.root, { recursive: true, force: true });
    return;
  }
  const client = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
  await client.connect();
  try {
    const { rows } = await client.query('SELECT datname FROM pg_database WHERE datname LIKE $1', [`njatest_${process.env.TEST_RUN_ID}_%`]);
    for (const { datname } of rows) await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
