import { SystemClock } from './clock.js';
import { TestClock } from './test-clock.js';

describe('Clock', () => {
  it('SystemClock reads the wall clock', () => {
    const before = Date.now();
    const now = new SystemClock().nowMs();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });

  it('TestClock moves only when set or advanced', () => {
    const clock = new TestClock(1_000);
    expect(clock.nowMs()).toBe(1_000);
    clock.advance(250);
    expect(clock.now()).toEqual(new Date(1_250));
    clock.set(new Date(5_000));
    expect(clock.nowMs()).toBe(5_000);
  });
});
