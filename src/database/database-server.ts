import { fileURLToPath } from 'node:url';
import { freePort, startEmbeddedPostgres } from './embedded-postgres.js';

/** The PostgreSQL server the service talks to: an external one, or the embedded development one. */
export interface DatabaseServer {
  url: string;
  embedded: boolean;
  stop(): Promise<void>;
}

export const DATABASE_SERVER = Symbol('DATABASE_SERVER');

/** Development database: a PostgreSQL cluster under `.data/postgres` in the project. */
export const EMBEDDED_DATA_DIR = fileURLToPath(new URL('../../.data/postgres', import.meta.url));

export function externalDatabase(url: string): DatabaseServer {
  return { url, embedded: false, stop: async () => undefined };
}

export async function embeddedDatabase(): Promise<DatabaseServer> {
  const server = await startEmbeddedPostgres({ dataDir: EMBEDDED_DATA_DIR, port: await freePort() });
  return { url: server.url, embedded: true, stop: server.stop };
}
