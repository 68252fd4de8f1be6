import { type ThrottlerStorage } from '@nestjs/throttler';
import { type Redis } from 'ioredis';
import { MemoryThrottlerStorage } from './memory-throttler.storage.js';
import { type RedisConnection } from './redis.provider.js';

/** Fixed window per key, with a block once the limit is passed; atomic, so instances share one count. */
const INCREMENT = `
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
local block = redis.call('PTTL', KEYS[2])
if block <= 0 and hits > tonumber(ARGV[2]) then
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
  block = tonumber(ARGV[3])
end
return {hits, ttl, block}
`;

type Increment = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/**
 * The throttler's storage: Redis (REDIS_URL) for one budget across all instances, and a fixed window per key
 * in memory without Redis or while it is away. Our own rather than @nest-lab/throttler-storage-redis:
 * that package's peer range stops at NestJS 11, and it has no fallback for an outage (a 500 per request).
 */
export class LimitsThrottlerStorage implements ThrottlerStorage {
  private readonly memory = new MemoryThrottlerStorage();

  constructor(private readonly redis: RedisConnection) {}

  increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<Increment> {
    return this.redis.fallbackTo(
      (client) => incrementInRedis(client, key, ttl, limit, blockDuration, throttlerName),
      () => this.memory.increment(key, ttl, limit, blockDuration, throttlerName),
    );
  }
}

async function incrementInRedis(
  redis: Redis,
  key: string,
  ttl: number,
  limit: number,
  blockDuration: number,
  throttlerName: string,
): Promise<Increment> {
  const base = `throttle:${throttlerName}:${key}`;
  const [hits, ttlMs, blockMs] = (await redis.eval(INCREMENT, 2, `${base}:hits`, `${base}:block`, ttl, limit, blockDuration)) as [
    number,
    number,
    number,
  ];
  const isBlocked = blockMs > 0;
  return {
    totalHits: hits,
    timeToExpire: Math.max(0, Math.ceil(ttlMs / 1000)),
    isBlocked,
    timeToBlockExpire: isBlocked ? Math.ceil(blockMs / 1000) : 0,
  };
}
