import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { APP_CONFIG } from '../config/config.module.js';
import { type AppConfig } from '../config/app-config.js';

/**
 * The Redis connection that holds the rate-limit and sign-in counters when REDIS_URL is set, so that
 * several instances share one budget. `client` is undefined without REDIS_URL (counters in memory).
 */
@Injectable()
export class RedisConnection implements OnApplicationShutdown {
  private readonly logger = new Logger('Redis');
  readonly client: Redis | undefined;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    if (!config.redisUrl) return;
    this.client = new Redis(config.redisUrl, {
      // Fail fast while Redis is away (the request gets a 503) instead of queueing commands forever.
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      connectTimeout: 2000,
      keyPrefix: keyPrefixFor(config),
    });
    this.client.on('error', (error: Error) => this.logger.warn(`redis: ${error.message}`));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client?.quit().catch(() => this.client?.disconnect());
  }
}

/**
 * Instances of one deployment (one database) share their counters; another deployment, or another
 * test database, on the same Redis does not.
 */
function keyPrefixFor(config: AppConfig): string {
  const database = config.databaseUrl ? new URL(config.databaseUrl) : undefined;
  const scope = database ? `${database.host}${database.pathname}` : 'embedded';
  return `nest-jwt-auth:${createHash('sha256').update(scope).digest('hex').slice(0, 12)}:`;
}
