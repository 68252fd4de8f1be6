import { createHash } from 'node:crypto';
import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { RetryLaterException } from '../common/retry-later.exception.js';
import { APP_CONFIG } from '../config/config.module.js';
import { type AppConfig } from '../config/app-config.js';
import { Clock } from '../clock/clock.js';
import { clientKeyOf } from './client-key.js';
import { FallbackFailureLog, type FailureLog } from './failure-log.js';
import { RedisConnection } from './redis.provider.js';

/** 429 with the seconds until the client may try again (sent as Retry-After). */
export class TooManyAttemptsException extends RetryLaterException {
  constructor(retryAfterSeconds: number) {
    const body = {
      statusCode: HttpStatus.TOO_MANY_REQUESTS,
      message: 'too many failed sign-in attempts, try again later',
      error: 'Too Many Requests',
    };
    super(HttpStatus.TOO_MANY_REQUESTS, body, retryAfterSeconds);
  }
}

/** A counted sign-in attempt: it stays counted as a failure unless released (it did not fail). */
export interface SigninAttempt {
  release(): Promise<void>;
}

/**
 * Brute-force protection: failed sign-ins per (email, client) over a sliding window of SIGNIN_WINDOW.
 * Once SIGNIN_MAX_FAILURES are counted, the pair is refused (even with the right password) until the
 * oldest failure leaves the window. A success erases nothing before it, so an attacker cannot reset the
 * count by signing into an account of his own from the same client. Other emails and clients are
 * unaffected. Each attempt is counted before the password is checked, so parallel guesses cannot slip
 * through together.
 */
@Injectable()
export class SigninAttempts {
  private readonly log: FailureLog;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    redis: RedisConnection,
    private readonly clock: Clock,
  ) {
    this.log = new FallbackFailureLog(redis);
  }

  /** Counts an attempt for the pair; throws TooManyAttemptsException while the pair is locked. */
  async begin(email: string, client: string | undefined): Promise<SigninAttempt> {
    const { window, maxFailures } = this.config.signin;
    const key = keyOf(email, client);
    const result = await this.log.reserve(key, maxFailures, window * 1000, this.clock.nowMs(), groupOf(email));
    if ('retryAfterMs' in result) throw new TooManyAttemptsException(Math.ceil(result.retryAfterMs / 1000));
    return { release: () => this.log.release(key, result.id) };
  }

  /** Lifts the lockout of this email from every client (a password reset proved the mailbox). */
  clearEmail(email: string): Promise<void> {
    return this.log.clearGroup(groupOf(email));
  }
}

/** Every client's key of one email is filed under this (hashed too). */
function groupOf(email: string): string {
  return createHash('sha256').update(`email\n${email}`).digest('base64url');
}

/** Hashed, so that neither memory dumps nor Redis keys list the emails being attacked. */
function keyOf(email: string, client: string | undefined): string {
  return createHash('sha256')
    .update(`${email}\n${clientKeyOf(client)}`)
    .digest('base64url');
}
