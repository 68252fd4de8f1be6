// `npm run db:migrate`: applies pending migrations to DATABASE_URL (or the embedded database) and exits.
import { loadConfig } from '../config/app-config.js';
import { embeddedDatabase, externalDatabase } from './database-server.js';
import { migrate } from './migrator.js';

/* eslint-disable no-console -- a command-line tool: its output is the point */
const config = loadConfig(process.env);
const server = config.databaseUrl ? externalDatabase(config.databaseUrl) : await embeddedDatabase();
try {
  const applied = await migrate(server.url);
  console.log(applied.length > 0 ? `applied: ${applied.join(', ')}` : 'database is up to date');
} catch (error) {
  console.error((error as Error).message);
  process.exitCode = 1;
} finally {
  await server.stop();
}
