import { MemoryThrottlerStorage } from './memory-throttler.storage.js';

const MINUTE = 60_000;

function storageAt(start: number) {
  const clock = { now: start };
  return { clock, storage: new MemoryThrottlerStorage(() => clock.now) };
}

describe('MemoryThrottlerStorage', () => {
  it('counts hits per key within the window and blocks past the limit until the block ends', async () => {
    const { clock, storage } = storageAt(1_000_000);
    expect(await storage.increment('k', MINUTE, 2, MINUTE, 'default')).toEqual({
      totalHits: 1,
      timeToExpire: 60,
      isBlocked: false,
      timeToBlockExpire: 0,
    });
    clock.now += 10_000;
    expect(await storage.increment('k', MINUTE, 2, MINUTE, 'default')).toMatchObject({ totalHits: 2, timeToExpire: 50, isBlocked: false });
    expect(await storage.increment('k', MINUTE, 2, MINUTE, 'default')).toEqual({
      totalHits: 3,
      timeToExpire: 50,
      isBlocked: true,
      timeToBlockExpire: 60,
    });
    expect(await storage.increment('other', MINUTE, 2, MINUTE, 'default')).toMatchObject({ totalHits: 1, isBlocked: false });
    expect(await storage.increment('k', MINUTE, 2, MINUTE, 'another-throttler')).toMatchObject({ totalHits: 1, isBlocked: false });
  });

  it('a new window starts when the old one ends, but a block outlives its window', async () => {
    const { clock, storage } = storageAt(0);
    await storage.increment('k', MINUTE, 1, 2 * MINUTE, 'default');
    expect(await storage.increment('k', MINUTE, 1, 2 * MINUTE, 'default')).toMatchObject({ isBlocked: true, timeToBlockExpire: 120 });
    clock.now = MINUTE + 1;
    expect(await storage.increment('k', MINUTE, 1, 2 * MINUTE, 'default')).toMatchObject({
      totalHits: 1,
      isBlocked: true,
      timeToBlockExpire: 60,
    });
    clock.now = 2 * MINUTE + 1;
    expect(await storage.increment('k', MINUTE, 1, 2 * MINUTE, 'default')).toEqual({
      totalHits: 1,
      timeToExpire: 60,
      isBlocked: false,
      timeToBlockExpire: 0,
    });
  });

  it('keeps one counter per key however many hits its window holds', async () => {
    const { storage } = storageAt(0);
    for (let i = 0; i < 100_000; i++) await storage.increment('busy', MINUTE, 1_000_000, MINUTE, 'default');
    expect(await storage.increment('busy', MINUTE, 1_000_000, MINUTE, 'default')).toMatchObject({ totalHits: 100_001 });
    expect(storage.size).toBe(1);
  });

  it('counts at most maxKeys clients, dropping the least recently seen', async () => {
    const clock = { now: 0 };
    const storage = new MemoryThrottlerStorage(() => clock.now, 1_000);
    for (let i = 0; i < 20_000; i++) await storage.increment(`client-${i}`, MINUTE, 10, MINUTE, 'default');
    expect(storage.size).toBe(1_000);
    expect(await storage.increment('client-19999', MINUTE, 10, MINUTE, 'default')).toMatchObject({ totalHits: 2 });
  });
});
