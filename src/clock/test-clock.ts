import { Clock } from './clock.js';

/** A clock that moves only when told: time rules are tested without sleeping. */
export class TestClock extends Clock {
  private current: number;

  constructor(start: Date | number = Date.UTC(2030, 0, 1)) {
    super();
    this.current = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  set(time: Date | number): void {
    this.current = new Date(time).getTime();
  }

  advance(ms: number): void {
    this.current += ms;
  }
}
