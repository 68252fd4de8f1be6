import { type Role } from '../generated/prisma/enums.js';
import { type Clock } from '../clock/clock.js';

export interface LiveSessionUser {
  id: number;
  role: Role;
  /** Whether the user has a second factor (for @RequireMfa()). */
  mfaEnabled: boolean;
  /** Until when the session is live, unless revoked (ms since the epoch): its absolute end or its refresh token's expiry. */
  liveUntil: number;
}

/** Notification payloads: a session id, or `user:<id>` for a user whose role or second factor changed or who was deleted. */
const USER_PREFIX = 'user:';
const MAX_ENTRIES = 100_000;
/** A safety net only: correctness comes from the notifications. */
const ENTRY_TTL_MS = 60_000;

/**
 * The memory of the LiveSessionCache, without its connection: the entries, the epoch, and what a
 * notification does to them. It serves only while enabled (the LISTEN connection is up). A database read
 * is stored only if no notification arrived while it ran (the epoch check), so a revocation racing with
 * a read can never be overwritten by the stale read.
 */
export class LiveSessionEntries {
  private readonly entries = new Map<string, LiveSessionUser & { cachedAt: number }>();
  private enabled = false;
  private epoch = 0;
  readonly stats = { hits: 0, misses: 0, invalidations: 0 };

  constructor(private readonly clock: Clock) {}

  get(sessionId: string): LiveSessionUser | undefined {
    const entry = this.enabled ? this.entries.get(sessionId) : undefined;
    const now = this.clock.nowMs();
    if (!entry || entry.liveUntil <= now || now - entry.cachedAt > ENTRY_TTL_MS) {
      this.stats.misses++;
      return undefined;
    }
    this.stats.hits++;
    return { id: entry.id, role: entry.role, mfaEnabled: entry.mfaEnabled, liveUntil: entry.liveUntil };
  }

  /** Take before a database read; pass to `set` after it. */
  currentEpoch(): number {
    return this.epoch;
  }

  set(sessionId: string, user: LiveSessionUser, epochBeforeRead: number): void {
    if (!this.enabled || this.epoch !== epochBeforeRead) return;
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    this.entries.set(sessionId, { ...user, cachedAt: this.clock.nowMs() });
  }

  /** A revoked or deleted session (its id), or `user:<id>`: every cached session of that user. */
  invalidate(payload: string): void {
    this.epoch++;
    this.stats.invalidations++;
    if (payload.startsWith(USER_PREFIX)) this.dropUser(Number(payload.slice(USER_PREFIX.length)));
    else this.entries.delete(payload);
  }

  /** The connection is (back) up: start empty, since notifications may have been missed. */
  enable(): void {
    this.reset();
    this.enabled = true;
  }

  /** The connection is lost: empty, and bypassed until `enable`. */
  disable(): void {
    this.enabled = false;
    this.reset();
  }

  private reset(): void {
    this.epoch++;
    this.entries.clear();
  }

  private dropUser(userId: number): void {
    for (const [sessionId, entry] of this.entries) if (entry.id === userId) this.entries.delete(sessionId);
  }
}
