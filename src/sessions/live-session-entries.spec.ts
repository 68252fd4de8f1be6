import { TestClock } from '../clock/test-clock.js';
import { Role } from '../generated/prisma/enums.js';
import { LiveSessionEntries, type LiveSessionUser } from './live-session-entries.js';

const HOUR = 3600_000;

describe('LiveSessionEntries (TestClock)', () => {
  let clock: TestClock;
  let entries: LiveSessionEntries;
  const user = (id = 1, liveFor = HOUR): LiveSessionUser => ({
    id,
    role: Role.USER,
    mfaEnabled: false,
    liveUntil: clock.nowMs() + liveFor,
  });
  const cache = (sessionId: string, value: LiveSessionUser) => entries.set(sessionId, value, entries.currentEpoch());

  beforeEach(() => {
    clock = new TestClock();
    entries = new LiveSessionEntries(clock);
    entries.enable();
  });

  it('serves what was stored, and counts hits and misses', () => {
    const alice = user();
    expect(entries.get('s1')).toBeUndefined();
    cache('s1', alice);
    expect(entries.get('s1')).toEqual(alice);
    expect(entries.stats).toMatchObject({ hits: 1, misses: 1 });
  });

  it('epoch check: a read that a notification overtook is not stored', () => {
    const epochBeforeRead = entries.currentEpoch();
    entries.invalidate('s1'); // the revocation commits while the read is in flight
    entries.set('s1', user(), epochBeforeRead);
    expect(entries.get('s1')).toBeUndefined();
    // A read started after the notification is stored.
    cache('s1', user());
    expect(entries.get('s1')).toBeDefined();
  });

  it('a session id notification drops that session only; user:<id> drops every session of the user', () => {
    cache('a1', user(1));
    cache('a2', user(1));
    cache('b1', user(2));
    entries.invalidate('a1');
    expect(entries.get('a1')).toBeUndefined();
    expect(entries.get('a2')).toBeDefined();
    entries.invalidate('user:1');
    expect(entries.get('a2')).toBeUndefined();
    expect(entries.get('b1')).toBeDefined();
    expect(entries.stats.invalidations).toBe(2);
  });

  it('an entry expires after its 60 s TTL (a safety net) and at the end of its session', () => {
    cache('ttl', user(1, HOUR));
    cache('ending', user(2, 30_000));
    clock.advance(30_000);
    expect(entries.get('ttl')).toBeDefined();
    expect(entries.get('ending')).toBeUndefined();
    clock.advance(30_000);
    expect(entries.get('ttl')).toBeDefined();
    clock.advance(1);
    expect(entries.get('ttl')).toBeUndefined();
  });

  it('disabled (listener lost): serves nothing, stores nothing, and starts empty when enabled again', () => {
    cache('s1', user());
    entries.disable();
    expect(entries.get('s1')).toBeUndefined();
    cache('s2', user());
    entries.enable();
    expect(entries.get('s1')).toBeUndefined();
    expect(entries.get('s2')).toBeUndefined();
  });

  it('a read begun before the listener came back is not stored (it may have missed notifications)', () => {
    entries.disable();
    const epochBeforeRead = entries.currentEpoch();
    entries.enable();
    entries.set('s1', user(), epochBeforeRead);
    expect(entries.get('s1')).toBeUndefined();
  });
});
