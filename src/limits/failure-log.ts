import { randomUUID } from 'node:crypto';
import { type Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import { type RedisConnection } from './redis.provider.js';

/**
 * Failed attempts per key over a sliding window. An attempt is counted *before* the password is checked
 * (`reserve`), atomically with the check of the limit, so that a burst of parallel guesses cannot all
 * pass the check before any of them is recorded; a successful attempt then gives its place back
 * (`release`): only failures stay counted.
 */
export interface FailureLog {
  /** Counts an attempt and returns its id, or returns the milliseconds to wait when the key is at the limit. */
  reserve(key: string, max: number, windowMs: number, now: number, group?: string): Promise<{ id: string } | { retryAfterMs: number }>;
  release(key: string, id: string): Promise<void>;
  /** Forgets every key reserved with this group (all clients of one email, after a password reset). */
  clearGroup(group: string): Promise<void>;
}

/** The time until the attempt that must leave the window for the key to drop under `max`. */
function waitFor(timestamps: number[], max: number, windowMs: number, now: number): number {
  const blocking = timestamps[timestamps.length - max];
  return Math.max(1, blocking + windowMs - now);
}

/**
 * At most this many (email, client) keys are tracked in memory, the least recently used dropped first, so a
 * flood of random emails cannot grow the log without bound (about 20 MB at the most). Reaching it takes
 * 50,000 distinct failing pairs within a window, which the per-client request budget spreads over many clients.
 */
export const MAX_TRACKED_KEYS = 50_000;

export class MemoryFailureLog implements FailureLog {
  private readonly attempts: LRUCache<string, { id: string; at: number }[]>;
  /** The keys of each group, kept as long as their attempts are. */
  private readonly groups: LRUCache<string, Set<string>>;
  private nextId = 0;

  constructor(maxKeys = MAX_TRACKED_KEYS) {
    this.attempts = new LRUCache({ max: maxKeys });
    this.groups = new LRUCache({ max: maxKeys });
  }

  /** How many keys are tracked now. */
  get size(): number {
    return this.attempts.size;
  }

  async reserve(
    key: string,
    max: number,
    windowMs: number,
    now: number,
    group?: string,
  ): Promise<{ id: string } | { retryAfterMs: number }> {
    if (group !== undefined) this.groups.set(group, (this.groups.get(group) ?? new Set()).add(key), { ttl: windowMs });
    const recent = (this.attempts.get(key) ?? []).filter((attempt) => attempt.at > now - windowMs);
    if (recent.length >= max) {
      this.attempts.set(key, recent, { ttl: windowMs });
      return {
        retryAfterMs: waitFor(
          recent.map((attempt) => attempt.at),
          max,
          windowMs,
          now,
        ),
      };
    }
    const id = String(++this.nextId);
    recent.push({ id, at: now });
    // Once every attempt has left the window the key is worthless: it expires with the last one.
    this.attempts.set(key, recent, { ttl: windowMs });
    return { id };
  }

  async release(key: string, id: string): Promise<void> {
    const remaining = (this.attempts.get(key) ?? []).filter((attempt) => attempt.id !== id);
    if (remaining.length > 0) this.attempts.set(key, remaining, { noUpdateTTL: true });
    else this.attempts.delete(key);
  }

  async clearGroup(group: string): Promise<void> {
    for (const key of this.groups.get(group) ?? []) this.attempts.delete(key);
    this.groups.delete(group);
  }
}

/** Check and count in one step: a sorted set per key (score: time), shared by every instance. */
const RESERVE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1] - ARGV[2])
local count = redis.call('ZCARD', KEYS[1])
local max = tonumber(ARGV[3])
if count >= max then
  local blocking = redis.call('ZRANGE', KEYS[1], count - max, count - max, 'WITHSCORES')
  return {0, tonumber(blocking[2])}
end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
if KEYS[2] then
  redis.call('SADD', KEYS[2], KEYS[1])
  redis.call('PEXPIRE', KEYS[2], ARGV[2])
end
return {1, 0}
`;

/** Deletes every key of a group (a set of the keys' full names), then the group. */
const CLEAR_GROUP = `
for _, key in ipairs(redis.call('SMEMBERS', KEYS[1])) do redis.call('DEL', key) end
redis.call('DEL', KEYS[1])
return 1
`;

export class RedisFailureLog implements FailureLog {
  constructor(private readonly redis: Redis) {}

  async reserve(key: string, max: number, windowMs: number, now: number, group?: string) {
    const id = `${now}:${randomUUID()}`;
    const keys = group === undefined ? [redisKey(key)] : [redisKey(key), redisGroupKey(group)];
    const [reserved, blockingAt] = (await this.redis.eval(RESERVE, keys.length, ...keys, now, windowMs, max, id)) as [number, number];
    if (reserved === 1) return { id };
    return { retryAfterMs: Math.max(1, blockingAt + windowMs - now) };
  }

  async release(key: string, id: string): Promise<void> {
    await this.redis.zrem(redisKey(key), id);
  }

  async clearGroup(group: string): Promise<void> {
    await this.redis.eval(CLEAR_GROUP, 1, redisGroupKey(group));
  }
}

const redisKey = (key: string) => `signin-failures:${key}`;
const redisGroupKey = (group: string) => `signin-failures-group:${group}`;

/**
 * Redis when it is there (REDIS_URL, connected), else memory: each attempt is released where it was
 * reserved (its id says which).
 */
export class FallbackFailureLog implements FailureLog {
  private readonly memory = new MemoryFailureLog();
  private readonly shared: RedisFailureLog | undefined;

  constructor(private readonly redis: RedisConnection) {
    this.shared = redis.client ? new RedisFailureLog(redis.client) : undefined;
  }

  reserve(key: string, max: number, windowMs: number, now: number, group?: string): Promise<{ id: string } | { retryAfterMs: number }> {
    const tagged = (where: string) => (result: { id: string } | { retryAfterMs: number }) =>
      'id' in result ? { id: `${where}:${result.id}` } : result;
    return this.redis.fallbackTo(
      () => this.shared!.reserve(key, max, windowMs, now, group).then(tagged('redis')),
      () => this.memory.reserve(key, max, windowMs, now, group).then(tagged('memory')),
    );
  }

  /** Both stores: attempts may have been counted in either. */
  async clearGroup(group: string): Promise<void> {
    await this.memory.clearGroup(group);
    if (this.shared)
      await this.redis.fallbackTo(
        () => this.shared!.clearGroup(group),
        async () => undefined,
      );
  }

  async release(key: string, taggedId: string): Promise<void> {
    const separator = taggedId.indexOf(':');
    const id = taggedId.slice(separator + 1);
    if (taggedId.slice(0, separator) === 'memory') return this.memory.release(key, id);
    // Redis being away, the attempt stays counted there until its window ends.
    await this.redis.fallbackTo(
      () => this.shared!.release(key, id),
      async () => undefined,
    );
  }
}
