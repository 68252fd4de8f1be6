import { MemoryFailureLog } from './failure-log.js';

const WINDOW_MS = 60_000;

describe('MemoryFailureLog', () => {
  it('counts reserved attempts per key up to max, then answers the wait until the oldest leaves the window', async () => {
    const log = new MemoryFailureLog();
    const now = 1_000_000;
    expect(await log.reserve('k', 2, WINDOW_MS, now)).toHaveProperty('id');
    expect(await log.reserve('k', 2, WINDOW_MS, now + 10)).toHaveProperty('id');
    expect(await log.reserve('k', 2, WINDOW_MS, now + 20)).toEqual({ retryAfterMs: WINDOW_MS - 20 });
    expect(await log.reserve('other', 2, WINDOW_MS, now + 20)).toHaveProperty('id');
    expect(await log.reserve('k', 2, WINDOW_MS, now + WINDOW_MS + 1)).toHaveProperty('id');
  });

  it('a released attempt no longer counts', async () => {
    const log = new MemoryFailureLog();
    const first = await log.reserve('k', 1, WINDOW_MS, 0);
    if (!('id' in first)) throw new Error('expected a reservation');
    expect(await log.reserve('k', 1, WINDOW_MS, 1)).toHaveProperty('retryAfterMs');
    await log.release('k', first.id);
    expect(await log.reserve('k', 1, WINDOW_MS, 2)).toHaveProperty('id');
  });

  it('clearGroup forgets every key reserved with that group, and only those', async () => {
    const log = new MemoryFailureLog();
    await log.reserve('a-client-1', 1, WINDOW_MS, 0, 'a');
    await log.reserve('a-client-2', 1, WINDOW_MS, 0, 'a');
    await log.reserve('b-client-1', 1, WINDOW_MS, 0, 'b');
    await log.clearGroup('a');
    expect(await log.reserve('a-client-1', 1, WINDOW_MS, 1, 'a')).toHaveProperty('id');
    expect(await log.reserve('a-client-2', 1, WINDOW_MS, 1, 'a')).toHaveProperty('id');
    expect(await log.reserve('b-client-1', 1, WINDOW_MS, 1, 'b')).toHaveProperty('retryAfterMs');
  });

  it('stays bounded under a flood of distinct keys (random emails): at most maxKeys are kept', async () => {
    const log = new MemoryFailureLog(1_000);
    for (let i = 0; i < 20_000; i++) await log.reserve(`flood-${i}`, 5, WINDOW_MS, i);
    expect(log.size).toBe(1_000);
  });
});
