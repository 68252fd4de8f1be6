import { TestClock } from '../clock/test-clock.js';
import { loadConfig } from '../config/app-config.js';
import { type RedisConnection } from './redis.provider.js';
import { SigninAttempts, TooManyAttemptsException } from './signin-attempts.service.js';

const MINUTE = 60_000;

/** No REDIS_URL: the in-memory log, so the lockout window runs on the TestClock alone. */
const NO_REDIS = {
  client: undefined,
  fallbackTo: <T>(_shared: () => Promise<T>, local: () => Promise<T>) => local(),
} as unknown as RedisConnection;

describe('SigninAttempts: the lockout window on the TestClock', () => {
  const config = loadConfig({
    JWT_REFRESH_SECRET: 'unit-refresh-secret-0123456789-abcdefghij',
    SIGNIN_MAX_FAILURES: '3',
    SIGNIN_WINDOW: '15m',
  });

  it('locks the pair after SIGNIN_MAX_FAILURES failures until the oldest leaves the window, and says when', async () => {
    const clock = new TestClock();
    const attempts = new SigninAttempts(config, NO_REDIS, clock);
    for (let failure = 0; failure < 3; failure++) {
      await attempts.begin('a@example.com', '192.0.2.1'); // never released: a failure
      clock.advance(MINUTE);
    }
    // 3 minutes after the first failure: it leaves the 15-minute window 12 minutes from now.
    const locked = await attempts.begin('a@example.com', '192.0.2.1').catch((error: unknown) => error);
    expect(locked).toBeInstanceOf(TooManyAttemptsException);
    expect((locked as TooManyAttemptsException).retryAfterSeconds).toBe(12 * 60);
    // Another client, or another email, is not affected.
    await expect(attempts.begin('a@example.com', '192.0.2.2')).resolves.toBeDefined();
    await expect(attempts.begin('b@example.com', '192.0.2.1')).resolves.toBeDefined();

    clock.advance(12 * MINUTE - 1);
    await expect(attempts.begin('a@example.com', '192.0.2.1')).rejects.toBeInstanceOf(TooManyAttemptsException);
    clock.advance(1);
    const allowed = await attempts.begin('a@example.com', '192.0.2.1');
    await allowed.release();
  });

  it('a released attempt (not a failure) does not count', async () => {
    const clock = new TestClock();
    const attempts = new SigninAttempts(config, NO_REDIS, clock);
    for (let attempt = 0; attempt < 5; attempt++) await (await attempts.begin('c@example.com', '192.0.2.1')).release();
    await expect(attempts.begin('c@example.com', '192.0.2.1')).resolves.toBeDefined();
  });
});
