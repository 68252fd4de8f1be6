import { Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { APP_CONFIG } from '../config/config.module.js';
import { type AppConfig } from '../config/app-config.js';
import { RedisModule } from './redis.module.js';
import { RedisConnection } from './redis.provider.js';
import { LimitsThrottlerStorage } from './limits-throttler.storage.js';
import { SigninAttempts } from './signin-attempts.service.js';

/**
 * Request budgets (sign-up, refresh: RATE_LIMIT_PER_MINUTE per client, @nestjs/throttler) and the
 * sign-in lockout; in memory, or in Redis when REDIS_URL is set.
 */
@Module({
  imports: [
    RedisModule,
    ThrottlerModule.forRootAsync({
      imports: [RedisModule],
      inject: [APP_CONFIG, RedisConnection],
      useFactory: (config: AppConfig, redis: RedisConnection) => ({
        throttlers: [{ name: 'default', ttl: 60_000, limit: config.rateLimitPerMinute }],
        storage: new LimitsThrottlerStorage(redis),
        errorMessage: 'too many requests, try again later',
      }),
    }),
  ],
  providers: [SigninAttempts],
  exports: [SigninAttempts],
})
export class LimitsModule {}
