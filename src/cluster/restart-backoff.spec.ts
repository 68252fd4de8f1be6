import { CRASH_WINDOW_MS, RestartBackoff } from './restart-backoff.js';

describe('RestartBackoff', () => {
  it('waits 1 s after a first crash, doubling for each further crash within a minute', () => {
    const backoff = new RestartBackoff();
    expect([0, 1_000, 3_000, 7_000, 15_000].map((at) => backoff.crashed(at))).toEqual([1000, 2000, 4000, 8000, 16000]);
  });

  it('never waits more than 30 s, however fast the crashes come', () => {
    const backoff = new RestartBackoff();
    const delays = Array.from({ length: 12 }, (_, i) => backoff.crashed(i * 100));
    expect(delays.slice(5)).toEqual(Array(7).fill(30_000));
    expect(Math.max(...delays)).toBe(30_000);
  });

  it('forgets crashes older than a minute: a worker that ran that long restarts after 1 s again', () => {
    const backoff = new RestartBackoff();
    backoff.crashed(0);
    backoff.crashed(1_000);
    expect(backoff.crashed(2_000)).toBe(4000);
    expect(backoff.crashed(2_000 + CRASH_WINDOW_MS)).toBe(1000);
  });

  it('counts only the crashes inside the window', () => {
    const backoff = new RestartBackoff();
    backoff.crashed(0);
    backoff.crashed(50_000);
    // At 70 s, the crash at 0 is out of the window, the one at 50 s in it.
    expect(backoff.crashed(70_000)).toBe(2000);
  });
});
