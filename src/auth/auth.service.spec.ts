import { generateKeyPairSync } from 'node:crypto';
import { Logger, UnauthorizedException } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { type AuditEvent } from '../audit/audit.service.js';
import { TestClock } from '../clock/test-clock.js';
import { loadConfig } from '../config/app-config.js';
import { type Transaction } from '../database/transactions.js';
import { Role } from '../generated/prisma/enums.js';
import { type NewSession, type Rotation, type SessionWithUser } from '../sessions/sessions.service.js';
import { type ClientInfo } from '../access/access.types.js';
import { AuthService } from './auth.service.js';
import { type RefreshCredentials } from './auth.types.js';
import { tokenKeysFrom } from './token-keys.js';
import { epochSeconds, hashToken, TokenService } from './token.service.js';

const SECRETS = {
  JWT_ACCESS_KEYS: JSON.stringify({
    keys: [{ ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }), kid: 'k1' }],
  }),
  JWT_REFRESH_SECRET: 'unit-refresh-secret-0123456789-abcdefghij',
};
const CLIENT: ClientInfo = { ip: '203.0.113.7', userAgent: 'unit' };
const HOUR = 3600_000;
const GRACE_MS = 10_000;

type Row = SessionWithUser;

/**
 * The sessions table in memory, with SessionsService's semantics (live: not revoked, before expires_at,
 * refresh token not expired; conditional rotations), so that AuthService's rules run without a database.
 */
class FakeSessions {
  readonly rows = new Map<string, Row>();
  syncs = 0;

  constructor(private readonly clock: TestClock) {}

  async create(session: NewSession): Promise<void> {
    const { userAgent, ip, ...rest } = session;
    const row: Row = {
      ...rest,
      userAgent: userAgent ?? null,
      ip: ip ?? null,
      previousTokenHash: null,
      generation: 0,
      revokedAt: null,
      createdAt: session.rotatedAt,
      lastUsedAt: session.rotatedAt,
      mfaVerified: session.mfaVerified ?? false,
      user: { id: session.userId, role: Role.USER },
    };
    this.rows.set(session.id, row);
  }

  async findLive(id: string, userId: number): Promise<Row | null> {
    const row = this.rows.get(id);
    return row && row.userId === userId && live(row, this.clock.now()) ? { ...row } : null;
  }

  async rotateUncapped(
    id: string,
    userId: number,
    presentedHash: string,
    next: Rotation,
  ): Promise<{ role: Role; expiresAt: Date; mfaVerified: boolean } | null> {
    const row = this.rows.get(id);
    if (!row || row.userId !== userId || row.expiresAt < next.refreshExpiresAt) return null;
    if (!(await this.rotate(id, presentedHash, next))) return null;
    return { role: row.user.role, expiresAt: row.expiresAt, mfaVerified: row.mfaVerified };
  }

  async rotate(id: string, presentedHash: string, next: Rotation): Promise<boolean> {
    const row = this.rows.get(id);
    if (!row || row.tokenHash !== presentedHash || !live(row, next.rotatedAt)) return false;
    Object.assign(row, next, { previousTokenHash: presentedHash, generation: row.generation + 1, lastUsedAt: next.rotatedAt });
    return true;
  }

  async revoke(id: string, transaction: Transaction): Promise<boolean> {
    const row = this.rows.get(id);
    if (!row || row.revokedAt !== null) return false;
    row.revokedAt = this.clock.now();
    transaction.afterCommit('sync', async () => void this.syncs++);
    return true;
  }
}

function live(row: Row, now: Date): boolean {
  return row.revokedAt === null && row.expiresAt > now && row.refreshExpiresAt > now;
}

/** Runs the unit of work and then its after-commit effects, as Transactions does (no database). */
const fakeTransactions = {
  async run<T>(work: (transaction: Transaction) => Promise<T>): Promise<T> {
    const effects = new Map<string, () => Promise<void>>();
    const result = await work({ db: {} as Transaction['db'], afterCommit: (key, effect) => void effects.set(key, effect) });
    for (const effect of effects.values()) await effect();
    return result;
  },
};

function decode(token: string): Record<string, number | string> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
}

function credentialsOf(refreshToken: string): RefreshCredentials {
  const claims = decode(refreshToken);
  return { userId: Number(claims.sub), sessionId: String(claims.sid), token: refreshToken };
}

describe('AuthService.refresh (TestClock, sessions in memory)', () => {
  let clock: TestClock;
  let sessions: FakeSessions;
  let events: AuditEvent[];
  let auth: AuthService;

  const start = (env: Record<string, string> = {}) => {
    // Half past a whole second: whole-second rounding of iat would show.
    clock = new TestClock(Date.UTC(2030, 0, 1, 12, 0, 0, 500));
    const config = loadConfig({ ...SECRETS, JWT_REFRESH_TTL: '1h', SESSION_MAX_AGE: '2h', JWT_REFRESH_REUSE_GRACE: '10s', ...env });
    sessions = new FakeSessions(clock);
    events = [];
    const tokens = new TokenService(new JwtService({}), tokenKeysFrom(config), config, clock);
    const users = { create: async (email: string) => ({ id: 7, email, role: Role.USER, createdAt: '', updatedAt: '' }) };
    const audit = { record: async (event: AuditEvent) => void events.push(event) };
    auth = new AuthService(
      users as never,
      sessions as never,
      tokens,
      { hash: async () => 'hash' } as never,
      { check: () => undefined } as never,
      {} as never,
      fakeTransactions as never,
      audit as never,
      clock,
      config,
      { sendVerification: async () => undefined } as never,
      {} as never,
      {} as never,
    );
  };

  const signUp = async () => (await auth.signUp({ email: 'a@example.com', password: 'unused' }, CLIENT)).refreshToken;
  const refresh = (token: string) => auth.refresh(credentialsOf(token), CLIENT);
  const sessionOf = (token: string) => sessions.rows.get(credentialsOf(token).sessionId)!;

  beforeAll(() => Logger.overrideLogger(false));
  beforeEach(() => start());

  it('rotates: a new pair issued at the clock time, the old token becomes the previous one, generation +1', async () => {
    const first = await signUp();
    clock.advance(60_000);
    const pair = await refresh(first);
    expect(pair.refreshToken).not.toBe(first);
    expect(decode(pair.refreshToken)).toMatchObject({ iat: epochSeconds(clock.now()), exp: epochSeconds(clock.now()) + 3600 });
    expect(decode(pair.accessToken)).toMatchObject({ iat: epochSeconds(clock.now()), sid: credentialsOf(first).sessionId, role: 'USER' });
    const session = sessionOf(first);
    expect(session).toMatchObject({
      generation: 1,
      tokenHash: hashToken(pair.refreshToken),
      previousTokenHash: hashToken(first),
      revokedAt: null,
    });
    expect(session.rotatedAt).toEqual(clock.now());
    expect(session.lastUsedAt).toEqual(clock.now());
  });

  it('grace window: the previous token exactly at the end of the window gets the same current token back', async () => {
    const first = await signUp();
    const rotated = await refresh(first);
    clock.advance(GRACE_MS);
    const replay = await refresh(first);
    expect(replay.refreshToken).toBe(rotated.refreshToken);
    expect(sessionOf(first)).toMatchObject({ generation: 1, revokedAt: null });
    expect(events.map((event) => event.type)).toEqual(['signup']);
  });

  it('reuse: the previous token 1 ms after the grace window is refused and revokes the session (after commit)', async () => {
    const first = await signUp();
    const rotated = await refresh(first);
    clock.advance(GRACE_MS + 1);
    await expect(refresh(first)).rejects.toThrow(UnauthorizedException);
    expect(sessionOf(first).revokedAt).toEqual(clock.now());
    expect(events.map((event) => event.type)).toEqual(['signup', 'refresh.reuse']);
    expect(sessions.syncs).toBe(1);
    await expect(refresh(rotated.refreshToken)).rejects.toThrow(UnauthorizedException);
  });

  it('reuse: a token two generations old is refused within the grace window too', async () => {
    const first = await signUp();
    const second = await refresh(first);
    await refresh(second.refreshToken);
    await expect(refresh(first)).rejects.toThrow(UnauthorizedException);
    expect(sessionOf(first).revokedAt).not.toBeNull();
    expect(events.map((event) => event.type)).toEqual(['signup', 'refresh.reuse']);
  });

  it('the session end caps the new token near SESSION_MAX_AGE, and past it refresh is refused without a revocation', async () => {
    const first = await signUp();
    const end = sessionOf(first).expiresAt;
    expect(end).toEqual(new Date(clock.nowMs() + 2 * HOUR));
    clock.advance(0.75 * HOUR);
    const uncapped = await refresh(first);
    expect(decode(uncapped.refreshToken).exp).toBe(epochSeconds(clock.now()) + 3600);
    clock.advance(0.75 * HOUR); // 1.5 h: a refresh TTL from now is past the end
    const capped = await refresh(uncapped.refreshToken);
    expect(decode(capped.refreshToken).exp).toBe(epochSeconds(end));
    expect(decode(capped.accessToken).exp).toBeLessThanOrEqual(epochSeconds(end));
    expect(sessionOf(first).refreshExpiresAt).toEqual(new Date(epochSeconds(end) * 1000));
    clock.set(end);
    await expect(refresh(capped.refreshToken)).rejects.toThrow(UnauthorizedException);
    expect(sessionOf(first).revokedAt).toBeNull();
    expect(sessions.syncs).toBe(0);
  });

  it('a refresh token unused for JWT_REFRESH_TTL ends the session (inactivity), without a revocation', async () => {
    const first = await signUp();
    clock.advance(HOUR - 1000);
    const kept = await refresh(first);
    clock.advance(HOUR);
    await expect(refresh(kept.refreshToken)).rejects.toThrow(UnauthorizedException);
    expect(sessionOf(first).revokedAt).toBeNull();
  });

  it('a token whose subject is not the session owner is refused', async () => {
    const first = await signUp();
    await expect(auth.refresh({ ...credentialsOf(first), userId: 8 }, CLIENT)).rejects.toThrow(UnauthorizedException);
    expect(sessionOf(first)).toMatchObject({ generation: 0, revokedAt: null });
  });
});
