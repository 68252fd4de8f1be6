import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { HttpStatus, Inject, Injectable, Optional, type OnModuleInit } from '@nestjs/common';
import argon2 from 'argon2';
import pLimit, { type LimitFunction } from 'p-limit';
import { RetryLaterException } from '../common/retry-later.exception.js';

/** argon2id at OWASP's minimum: 19 MiB of memory, 2 iterations, 1 lane. */
export const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/**
 * argon2 runs on libuv's thread pool, which it shares with the rest of the process's blocking work,
 * among which the key derivation of every new PostgreSQL connection (SCRAM: WebCrypto PBKDF2). Were
 * every sign-in's hash queued there at once, a burst of sign-ins would put a new database connection
 * behind all of them: seconds, past DATABASE_TIMEOUT, so 503s. At most one thread fewer than the pool
 * has runs argon2, and no more than there are cores (each hash keeps a core busy and holds 19 MiB:
 * more at once only adds memory); the other hashes wait here.
 */
export const ARGON2_CONCURRENCY = Math.max(1, Math.min(availableParallelism(), (Number(process.env.UV_THREADPOOL_SIZE) || 4) - 1));

/**
 * The waiting line is bounded: 48 hashes per running slot are about 2 s of work (a hash takes 43 ms on one
 * core here, bench/README.md), so no sign-in waits longer than that; past it, new hashing requests get a
 * 503 with Retry-After at once instead of growing latency and memory for everyone.
 */
export const MAX_QUEUED_PER_SLOT = 48;
const RETRY_AFTER_SECONDS = 2;

export interface HashingLimits {
  concurrency: number;
  maxQueuedPerSlot: number;
}
/** Optional: the defaults above unless a test provides other limits. */
export const HASHING_LIMITS = Symbol('HASHING_LIMITS');

/** 503 + Retry-After: the hashing queue is full. */
export class HashingBusyException extends RetryLaterException {
  constructor() {
    const body = {
      statusCode: HttpStatus.SERVICE_UNAVAILABLE,
      message: 'too many sign-ins at once, try again shortly',
      error: 'Service Unavailable',
    };
    super(HttpStatus.SERVICE_UNAVAILABLE, body, RETRY_AFTER_SECONDS);
  }
}

/**
 * Hashes and verifies passwords. Passwords are NFKC-normalised first (NIST SP 800-63B), so the
 * same password typed on two keyboards that compose accents differently still matches.
 */
@Injectable()
export class PasswordHasher implements OnModuleInit {
  /** Verified against when the email is unknown, so both sign-in failures cost one argon2 verify. */
  private dummyHash: Promise<string> | undefined;
  private readonly limit: LimitFunction;
  private readonly maxQueued: number;

  constructor(
    @Optional() @Inject(HASHING_LIMITS) limits: HashingLimits = { concurrency: ARGON2_CONCURRENCY, maxQueuedPerSlot: MAX_QUEUED_PER_SLOT },
  ) {
    this.limit = pLimit(limits.concurrency);
    this.maxQueued = limits.concurrency * limits.maxQueuedPerSlot;
  }

  /** Starts making the dummy hash, without holding start-up for it (bench/README.md, "Start-up and memory"). */
  onModuleInit(): void {
    this.dummyHashOnce().catch(() => undefined);
  }

  private dummyHashOnce(): Promise<string> {
    this.dummyHash ??= this.hash(randomBytes(16).toString('hex')).catch((error: unknown) => {
      this.dummyHash = undefined; // made again when next needed
      throw error;
    });
    return this.dummyHash;
  }

  /** Throws HashingBusyException (503) at once when the queue is full. */
  hash(password: string): Promise<string> {
    return this.run(() => argon2.hash(password.normalize('NFKC'), ARGON2_OPTIONS));
  }

  /** Never throws for a malformed stored hash: that is a mismatch. Throws HashingBusyException like hash(). */
  async verify(hash: string | undefined, password: string): Promise<boolean> {
    // The dummy is awaited outside the queue: it may itself be waiting in it.
    const against = hash ?? (await this.dummyHashOnce());
    const matches = await this.run(() => argon2.verify(against, password.normalize('NFKC')).catch(() => false));
    return matches && hash !== undefined;
  }

  private run<T>(task: () => Promise<T>): Promise<T> {
    if (this.limit.pendingCount >= this.maxQueued) return Promise.reject(new HashingBusyException());
    return this.limit(task);
  }

  /** True when the hash was made with weaker parameters than today's: re-hash on the next sign-in. */
  needsRehash(hash: string): boolean {
    return argon2.needsRehash(hash, ARGON2_OPTIONS);
  }
}
