import { type ThrottlerStorage } from '@nestjs/throttler';
import { LRUCache } from 'lru-cache';

type Increment = Awaited<ReturnType<ThrottlerStorage['increment']>>;

interface Window {
  hits: number;
  endsAt: number;
  blockedUntil: number;
}

/**
 * At most this many client keys are counted in memory, the least recently used dropped first: a flood of
 * client addresses cannot grow the counters without bound (about 10 MB at the most).
 */
export const MAX_COUNTED_KEYS = 100_000;

/**
 * The in-memory request budget: a fixed window per key, the same rule as the Redis script, so that a request
 * costs one map lookup whatever the traffic in the window. Our own rather than @nestjs/throttler's memory
 * storage: that one keeps a timestamp per hit and scans the list on every request (issue 16's profile: about
 * 10% of the CPU of a refresh under load with a large budget).
 */
export class MemoryThrottlerStorage implements ThrottlerStorage {
  private readonly windows: LRUCache<string, Window>;

  constructor(
    private readonly now: () => number = Date.now,
    maxKeys = MAX_COUNTED_KEYS,
  ) {
    this.windows = new LRUCache({ max: maxKeys });
  }

  /** How many keys are counted now. */
  get size(): number {
    return this.windows.size;
  }

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<Increment> {
    const now = this.now();
    const counted = `${throttlerName}:${key}`;
    let window = this.windows.get(counted);
    if (window === undefined || (window.endsAt <= now && window.blockedUntil <= now)) {
      window = { hits: 0, endsAt: now + ttl, blockedUntil: 0 };
      this.windows.set(counted, window);
    } else if (window.endsAt <= now) {
      window.hits = 0;
      window.endsAt = now + ttl;
    }
    window.hits++;
    if (window.blockedUntil <= now && window.hits > limit) window.blockedUntil = now + blockDuration;
    const isBlocked = window.blockedUntil > now;
    return {
      totalHits: window.hits,
      timeToExpire: Math.max(0, Math.ceil((window.endsAt - now) / 1000)),
      isBlocked,
      timeToBlockExpire: isBlocked ? Math.ceil((window.blockedUntil - now) / 1000) : 0,
    };
  }
}
