import { randomUUID } from 'node:crypto';
import { type Redis } from 'ioredis';

/** Timestamps of failures per key, over a sliding window. */
export interface FailureLog {
  add(key: string, windowMs: number, now: number): Promise<void>;
  /** Milliseconds until fewer than `max` failures remain in the window; 0 when under the limit. */
  retryAfter(key: string, max: number, windowMs: number, now: number): Promise<number>;
}

/** The time from now until the failure that must leave the window for the key to drop under `max`. */
function waitFor(timestamps: number[], max: number, windowMs: number, now: number): number {
  if (timestamps.length < max) return 0;
  const blocking = timestamps[timestamps.length - max];
  return Math.max(1, blocking + windowMs - now);
}

export class MemoryFailureLog implements FailureLog {
  private readonly failures = new Map<string, number[]>();
  private lastSweep = 0;

  async add(key: string, windowMs: number, now: number): Promise<void> {
    const recent = this.recent(key, windowMs, now);
    recent.push(now);
    this.failures.set(key, recent);
    this.sweep(windowMs, now);
  }

  async retryAfter(key: string, max: number, windowMs: number, now: number): Promise<number> {
    return waitFor(this.recent(key, windowMs, now), max, windowMs, now);
  }

  private recent(key: string, windowMs: number, now: number): number[] {
    return (this.failures.get(key) ?? []).filter((at) => at > now - windowMs);
  }

  /** Drops keys whose failures all left the window, at most once a window, so memory stays bounded. */
  private sweep(windowMs: number, now: number): void {
    if (now - this.lastSweep < windowMs) return;
    this.lastSweep = now;
    for (const [key, timestamps] of this.failures) {
      if (timestamps.every((at) => at <= now - windowMs)) this.failures.delete(key);
    }
  }
}

/** A sorted set per key (score: time), shared by every instance. */
export class RedisFailureLog implements FailureLog {
  constructor(private readonly redis: Redis) {}

  async add(key: string, windowMs: number, now: number): Promise<void> {
    const redisKey = `signin-failures:${key}`;
    await this.redis
      .multi()
      .zremrangebyscore(redisKey, '-inf', now - windowMs)
      .zadd(redisKey, now, `${now}:${randomUUID()}`)
      .pexpire(redisKey, windowMs)
      .exec();
  }

  async retryAfter(key: string, max: number, windowMs: number, now: number): Promise<number> {
    const scores = await this.redis.zrangebyscore(`signin-failures:${key}`, now - windowMs + 1, '+inf');
    return waitFor(scores.map((member) => Number(member.split(':')[0])), max, windowMs, now);
  }
}
