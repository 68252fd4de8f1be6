import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '../generated/prisma/client.js';
import { DATABASE_SERVER, type DatabaseServer } from './database-server.js';

/** How long a request may wait for a connection or a statement before the database counts as down (503). */
export const DATABASE_TIMEOUT_MS = 5000;
const POOL_SIZE = 10;

/**
 * The Prisma client over a `pg` pool (driver adapter). On shutdown it closes the pool and then stops
 * the embedded database, if there is one, in that order.
 */
@Injectable()
export class PrismaService extends PrismaClient implements OnApplicationShutdown {
  private readonly logger = new Logger(PrismaService.name);
  readonly pool: pg.Pool;

  constructor(@Inject(DATABASE_SERVER) private readonly server: DatabaseServer) {
    const pool = createPool(server.url);
    super({ adapter: new PrismaPg(pool) });
    this.pool = pool;
    // An idle connection that the server drops (restart, outage) must not crash the process.
    pool.on('error', (error) => this.logger.warn(`database connection lost: ${error.message}`));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.$disconnect();
    await this.pool.end();
    await this.server.stop();
  }
}

function createPool(connectionString: string): pg.Pool {
  return new pg.Pool({
    connectionString,
    max: POOL_SIZE,
    connectionTimeoutMillis: DATABASE_TIMEOUT_MS,
    statement_timeout: DATABASE_TIMEOUT_MS,
    idleTimeoutMillis: 30_000,
  });
}
