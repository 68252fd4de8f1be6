import { type AuditEvent } from '../audit/audit.service.js';
import { TestClock } from '../clock/test-clock.js';
import { type PrismaService } from '../database/prisma.service.js';
import { Transactions } from '../database/transactions.js';
import { Role } from '../generated/prisma/enums.js';
import { LiveSessionEntries } from './live-session-entries.js';
import { type LiveSessionCache } from './live-session-cache.js';
import { SessionsService } from './sessions.service.js';

const HOUR = 3600_000;

/**
 * SessionsService over a recording fake of Prisma's session delegate: what it asks the database (with
 * which time), and what it does with the answer. The statements themselves run against PostgreSQL in
 * test/auth/sessions.e2e-spec.ts and test/auth/refresh.e2e-spec.ts.
 */
function setUp() {
  const clock = new TestClock();
  const calls: { method: string; args: Record<string, unknown> }[] = [];
  const answers: { findFirst?: unknown; updateMany?: { count: number } } = {};
  const delegate = {
    findFirst: async (args: Record<string, unknown>) => (calls.push({ method: 'findFirst', args }), answers.findFirst ?? null),
    updateMany: async (args: Record<string, unknown>) => (calls.push({ method: 'updateMany', args }), answers.updateMany ?? { count: 0 }),
    deleteMany: async (args: Record<string, unknown>) => (calls.push({ method: 'deleteMany', args }), { count: 3 }),
  };
  const db = { session: delegate };
  const prisma = { ...db, $transaction: async <T>(work: (client: typeof db) => Promise<T>) => work(db) } as unknown as PrismaService;
  const entries = new LiveSessionEntries(clock);
  entries.enable();
  let syncs = 0;
  const cache = {
    get: (id: string) => entries.get(id),
    currentEpoch: () => entries.currentEpoch(),
    set: entries.set.bind(entries),
    sync: async () => void syncs++,
  } as unknown as LiveSessionCache;
  const events: AuditEvent[] = [];
  const audit = { record: async (event: AuditEvent) => void events.push(event) };
  const transactions = new Transactions(prisma);
  const sessions = new SessionsService(prisma, transactions, cache, audit as never, clock);
  return { clock, calls, answers, entries, events, sessions, transactions, syncs: () => syncs };
}

describe('SessionsService (TestClock, fake Prisma)', () => {
  it("the access check reads with the clock's time, caches until the earlier of the two ends, then serves from the cache", async () => {
    const { clock, calls, answers, sessions } = setUp();
    const now = clock.now();
    const refreshEnd = new Date(now.getTime() + HOUR);
    answers.findFirst = { expiresAt: new Date(now.getTime() + 2 * HOUR), refreshExpiresAt: refreshEnd, user: { id: 7, role: Role.USER } };
    expect(await sessions.findActiveUser('s1')).toEqual({ id: 7, role: Role.USER, liveUntil: refreshEnd.getTime() });
    expect(calls).toHaveLength(1);
    expect(calls[0].args.where).toEqual({ id: 's1', revokedAt: null, expiresAt: { gt: now }, refreshExpiresAt: { gt: now } });
    expect(await sessions.findActiveUser('s1')).toEqual({ id: 7, role: Role.USER, liveUntil: refreshEnd.getTime() });
    expect(calls).toHaveLength(1);
  });

  it('the access check: a session the database does not find live is null and not cached', async () => {
    const { calls, sessions } = setUp();
    expect(await sessions.findActiveUser('gone')).toBeNull();
    expect(await sessions.findActiveUser('gone')).toBeNull();
    expect(calls).toHaveLength(2);
  });

  it('revoke and revokeAllOfUser in one transaction tell the other instances once, after the commit', async () => {
    const { answers, sessions, transactions, syncs, clock, calls } = setUp();
    answers.updateMany = { count: 2 };
    await transactions.run(async (transaction) => {
      await sessions.revoke('s1', transaction);
      await sessions.revokeAllOfUser(7, transaction, { keep: 's2' });
      expect(syncs()).toBe(0);
    });
    expect(syncs()).toBe(1);
    expect(calls.map((call) => call.args)).toEqual([
      { where: { id: 's1', revokedAt: null }, data: { revokedAt: clock.now() } },
      { where: { userId: 7, revokedAt: null, id: { not: 's2' } }, data: { revokedAt: clock.now() } },
    ]);
  });

  it('nothing revoked: no sync', async () => {
    const { sessions, transactions, syncs } = setUp();
    expect(await transactions.run((transaction) => sessions.revokeAllOfUser(7, transaction))).toBe(0);
    expect(syncs()).toBe(0);
  });

  it('revokeOwn: only a live session of the user, with its event and the sync; false (no event, no sync) otherwise', async () => {
    const { answers, sessions, syncs, events, calls, clock } = setUp();
    const client = { ip: undefined, userAgent: undefined };
    expect(await sessions.revokeOwn(7, 'other', client)).toBe(false);
    expect(events).toEqual([]);
    expect(syncs()).toBe(0);
    const now = clock.now();
    expect(calls[0].args.where).toEqual({ id: 'other', userId: 7, revokedAt: null, expiresAt: { gt: now }, refreshExpiresAt: { gt: now } });
    answers.updateMany = { count: 1 };
    expect(await sessions.revokeOwn(7, 'mine', client)).toBe(true);
    expect(events).toEqual([{ type: 'session.revoked', userId: 7, sessionId: 'mine', ...client }]);
    expect(syncs()).toBe(1);
  });

  it('purgeDead deletes exactly what is not live at the clock time', async () => {
    const { sessions, calls, clock } = setUp();
    clock.advance(5 * HOUR);
    const now = clock.now();
    expect(await sessions.purgeDead()).toBe(3);
    expect(calls[0].args.where).toEqual({
      OR: [{ revokedAt: { not: null } }, { expiresAt: { lte: now } }, { refreshExpiresAt: { lte: now } }],
    });
  });

  it('a rotation is conditional on the presented hash and on liveness at the rotation time', async () => {
    const { sessions, calls, answers, clock } = setUp();
    const rotatedAt = clock.now();
    const next = { tokenHash: 'b'.repeat(64), tokenId: 'id', rotatedAt, refreshExpiresAt: new Date(rotatedAt.getTime() + HOUR) };
    expect(await sessions.rotate('s1', 'a'.repeat(64), next)).toBe(false);
    answers.updateMany = { count: 1 };
    expect(await sessions.rotate('s1', 'a'.repeat(64), next)).toBe(true);
    expect(calls[0].args.where).toEqual({
      id: 's1',
      tokenHash: 'a'.repeat(64),
      revokedAt: null,
      expiresAt: { gt: rotatedAt },
      refreshExpiresAt: { gt: rotatedAt },
    });
    expect(calls[0].args.data).toMatchObject({ lastUsedAt: rotatedAt, previousTokenHash: 'a'.repeat(64), generation: { increment: 1 } });
  });
});
