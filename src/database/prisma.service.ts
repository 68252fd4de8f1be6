import v8 from 'node:v8';
import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { APP_CONFIG } from '../config/config.module.js';
import { type AppConfig } from '../config/app-config.js';
import { PrismaClient } from '../generated/prisma/client.js';
import { DATABASE_SERVER, type DatabaseServer } from './database-server.js';
import { TimeoutSafeClient } from './timeout-safe-client.js';

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
    compileWebAssemblyWithBaselineTierOnly();
    const pool = createPool(server.url, config);
    super({ adapter: new PrismaPg(pool), transactionOptions: transactionTimeouts(config) });
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
 * Prisma's query compiler is a WebAssembly module, compiled when the first query is made. Node 20's V8 then
 * recompiles its busy functions with its optimising tier (TurboFan): 10 to 20 MB more resident memory, and
 * CPU at start-up and at each new query shape, for code that runs once per query shape (plans are cached);
 * the baseline tier (Liftoff) alone is enough (bench/README.md, "Start-up and memory"; Node 24 showed no
 * difference). Only WebAssembly is concerned: JavaScript is optimised as before. A V8 flag that Node does not
 * take from NODE_OPTIONS, hence set here, before the first query.
 */
function compileWebAssemblyWithBaselineTierOnly(): void {
  v8.setFlagsFromString('--liftoff-only');
}

/**
 * The client-side timeout comes this long after the server's statement timeout, so that a slow statement is
 * cancelled by the server (the connection stays usable) and only a server that does not answer at all
 * (frozen, or a link silently gone) meets the client's.
 */
const CLIENT_TIMEOUT_SLACK_MS = 250;

/**
 * An interactive transaction waits for its connection (maxWait) and runs (timeout) within DATABASE_TIMEOUT, like
 * every query: Prisma's own defaults (2 s and 5 s) would refuse a transaction after 2 s of waiting for a busy pool
 * while a plain query waits its full DATABASE_TIMEOUT.
 */
function transactionTimeouts(config: AppConfig): { maxWait: number; timeout: number } {
  const timeoutMs = config.database.timeout * 1000;
  return { maxWait: timeoutMs, timeout: timeoutMs };
}

/**
 * DATABASE_TIMEOUT bounds the wait for a connection and each statement, on the server (statement_timeout)
 * and on the client (query_timeout: a server that stops answering without closing connections), so that a
 * database that is down, stuck or frozen gives a 503 in bounded time rather than a hanging request.
 */
function createPool(connectionString: string, config: AppConfig): pg.Pool {
  const timeoutMs = config.database.timeout * 1000;
  return new pg.Pool({
    Client: TimeoutSafeClient,
    connectionString,
    max: config.database.poolSize,
    connectionTimeoutMillis: timeoutMs,
    statement_timeout: timeoutMs,
    query_timeout: timeoutMs + CLIENT_TIMEOUT_SLACK_MS,
    idleTimeoutMillis: 30_000,
  });
}
