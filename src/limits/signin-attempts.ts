import { createHash } from 'node:crypto';
import { HttpException, HttpStatus, Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '../config/config.module.js';
import { type AppConfig } from '../config/app-config.js';
import { FailureLog, MemoryFailureLog, RedisFailureLog } from './failure-log.js';
import { RedisConnection } from './redis.provider.js';

/** 429 with the seconds until the client may try again (sent as Retry-After). */
export class TooManyAttemptsException extends HttpException {
  constructor(readonly retryAfterSeconds: number) {
    super({ statusCode: HttpStatus.TOO_MANY_REQUESTS, message: 'too many failed sign-in attempts, try again later', error: 'Too Many Requests' }, HttpStatus.TOO_MANY_REQUESTS);
  }
}

/**
 * Brute-force protection: failed sign-ins per (email, client) over a sliding window of SIGNIN_WINDOW.
 * Once SIGNIN_MAX_FAILURES are counted, the pair is refused (even with the right password) until the
 * oldest failure leaves the window. A success erases nothing, so an attacker cannot reset the count by
 * signing into an account of his own from the same client. Other emails and clients are unaffected.
 */
@Injectable()
export class SigninAttempts {
  private readonly log: FailureLog;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig, redis: RedisConnection) {
    this.log = redis.client ? new RedisFailureLog(redis.client) : new MemoryFailureLog();
  }

  /** Throws TooManyAttemptsException while the pair is locked. */
  async assertAllowed(email: string, client: string | undefined): Promise<void> {
    const { window, maxFailures } = this.config.signin;
    const retryAfterMs = await this.log.retryAfter(keyOf(email, client), maxFailures, window * 1000, Date.now());
    if (retryAfterMs > 0) throw new TooManyAttemptsException(Math.ceil(retryAfterMs / 1000));
  }

  async recordFailure(email: string, client: string | undefined): Promise<void> {
    await this.log.add(keyOf(email, client), this.config.signin.window * 1000, Date.now());
  }
}

/** Hashed, so that neither memory dumps nor Redis keys list the emails being attacked. */
function keyOf(email: string, client: string | undefined): string {
  return createHash('sha256').update(`${email}\n${client ?? ''}`).digest('base64url');
}
