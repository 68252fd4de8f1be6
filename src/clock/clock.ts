import { Injectable } from '@nestjs/common';

/**
 * The one source of the current time for every time rule (session expiry, the refresh grace window, the
 * sign-in lockout window, the session cache's TTL). Injected by this class; tests substitute a TestClock.
 */
export abstract class Clock {
  abstract now(): Date;

  /** `now()` in milliseconds since the epoch. */
  nowMs(): number {
    return this.now().getTime();
  }
}

@Injectable()
export class SystemClock extends Clock {
  now(): Date {
    return new Date();
  }
}
