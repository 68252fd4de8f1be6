import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { APP_CONFIG } from '../config/config.module.js';
import { type AppConfig } from '../config/app-config.js';
import { PrismaClient } from '../generated/prisma/client.js';
import { DATABASE_SERVER, type DatabaseServer } from './database-server.js';


/**
 * The Prisma client over a `pg` pool (driver adapter). On shutdown it closes the pool and then stops
 * the embedded database, if there is one, in that order.
 */
@Injectable()
export class PrismaService extends PrismaClient implements OnApplicationShutdown {
  private readonly logger = new Logger(PrismaService.name);
  readonly pool: pg.Pool;

  constructor(
    @Inject(DATABASE_SERVER) private readonly server: DatabaseServer,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    const pool = createPool(server.url, config);
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

/**
 * DATABASE_TIMEOUT bounds both the wait for a connection and each statement, so that a database that is
 * down or stuck gives a 503 in bounded time rather than a hanging request.
 */
function createPool(connectionString: string, config: AppConfig): pg.Pool {
  const timeoutMs = config.database.timeout * 1000;
  return new pg.Pool({
    connectionString,
    max: config.database.poolSize,
    connectionTimeoutMillis: timeoutMs,
    statement_timeout: timeoutMs,
    idleTimeoutMillis: 30_000,
  });
}
