import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { APP_CONFIG } from '../config/config.module.js';
import { type AppConfig } from '../config/app-config.js';

/**
 * The Redis connection that holds the rate-limit and sign-in counters when REDIS_URL is set, so that
 * several instances share one budget. `client` is undefined without REDIS_URL (counters in memory).
 *
 * While Redis is away the limits fall back to per-instance memory counters (see fallbackTo): one warning
 * when it goes, one line when it is back (ioredis reconnects by itself), never an error for the request.
 */
@Injectable()
export class RedisConnection implements OnApplicationShutdown {
  private readonly logger = new Logger('Redis');
  readonly client: Redis | undefined;
  private down = false;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    if (!config.redisUrl) return;
    this.client = new Redis(config.redisUrl, {
      // Fail fast while Redis is away (the request falls back to memory) instead of queueing commands.
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      connectTimeout: 2000,
      commandTimeout: 1000,
      keyPrefix: keyPrefixFor(config),
    });
    this.client.on('error', (error: Error) => this.markDown(error));
    this.client.on('ready', () => {
      if (this.down) this.logger.log('Redis is back: the limits are shared across instances again');
      this.down = false;
    });
  }

  /** True while commands can be sent (connected and ready). */
  get ready(): boolean {
    return this.client?.status === 'ready';
  }

  /**
   * Runs `command` on Redis when it is ready, else (or when it fails) `fallback`: the per-instance memory
   * counters. A failure is logged once per outage.
   */
  async fallbackTo<T>(command: (redis: Redis) => Promise<T>, fallback: () => Promise<T>): Promise<T> {
    if (!this.client || !this.ready) {
      if (this.client) this.markDown();
      return fallback();
    }
    try {
      return await command(this.client);
    } catch (error) {
      this.markDown(error as Error);
      return fallback();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client?.quit().catch(() => this.client?.disconnect());
  }

  private markDown(error?: Error): void {
    if (this.down) return;
    this.down = true;
    this.logger.warn(
      `Redis unavailable (${error?.message ?? this.client?.status}): limits fall back to per-instance memory counters until it is back`,
    );
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
