import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import pg from 'pg';
import { DATABASE_SERVER, type DatabaseServer } from '../database/database-server.js';
import { type Role } from '../generated/prisma/enums.js';

export interface LiveSessionUser {
  id: number;
  role: Role;
  /** The session's absolute end (ms since the epoch). */
  sessionEnd: number;
}

/** The channel the database announces revoked and deleted sessions on (see the migration's triggers). */
const CHANNEL = 'session_revoked';
const SYNC_PREFIX = 'sync:';
const MAX_ENTRIES = 100_000;
/** A safety net only: correctness comes from the notifications. */
const ENTRY_TTL_MS = 60_000;
const SYNC_TIMEOUT_MS = 500;
/** After this instance has the marker: time for the other listeners' backends to forward theirs. */
const SYNC_MARGIN_MS = 50;
const RECONNECT_DELAY_MS = 1_000;

/**
 * Which sessions are live, cached in process for the access-token check on every request, and kept
 * right across instances by PostgreSQL LISTEN/NOTIFY: a trigger announces every revoked or deleted
 * session at commit, and every instance drops it from its cache.
 *
 * - The cache serves only while its LISTEN connection is up; on loss it is emptied and bypassed until
 *   the connection is back (notifications may have been missed meanwhile).
 * - A database read is cached only if no notification arrived while it ran (the epoch check), so a
 *   revocation racing with a read can never be overwritten by the stale read.
 * - After a revocation, `sync()` waits until this instance's listener has received a marker sent after
 *   the revocation committed (PostgreSQL delivers notifications in commit order), and then a short margin:
 *   each listening backend forwards notifications on its own schedule, so another instance may get the same
 *   notification a moment later. When the revoking request answers, the other instances have been told.
 */
@Injectable()
export class LiveSessionCache implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('LiveSessionCache');
  private readonly entries = new Map<string, LiveSessionUser & { cachedAt: number }>();
  private readonly pendingSyncs = new Map<string, () => void>();
  private client: pg.Client | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private listening = false;
  private stopped = false;
  private epoch = 0;
  readonly stats = { hits: 0, misses: 0, invalidations: 0 };

  constructor(@Inject(DATABASE_SERVER) private readonly server: DatabaseServer) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.listen();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    this.goDeaf();
    await this.client?.end().catch(() => undefined);
  }

  get(sessionId: string): LiveSessionUser | undefined {
    const entry = this.listening ? this.entries.get(sessionId) : undefined;
    const now = Date.now();
    if (!entry || entry.sessionEnd <= now || now - entry.cachedAt > ENTRY_TTL_MS) {
      this.stats.misses++;
      return undefined;
    }
    this.stats.hits++;
    return entry;
  }

  /** Take before a database read; pass to `set` after it. */
  currentEpoch(): number {
    return this.epoch;
  }

  set(sessionId: string, user: LiveSessionUser, epochBeforeRead: number): void {
    if (!this.listening || this.epoch !== epochBeforeRead) return;
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    this.entries.set(sessionId, { ...user, cachedAt: Date.now() });
  }

  /** Resolves once every revocation committed before this call has reached this instance's listener. */
  async sync(): Promise<void> {
    if (!this.listening || !this.client) return;
    const nonce = randomUUID();
    const seen = new Promise<void>((resolve) => {
      this.pendingSyncs.set(nonce, resolve);
      setTimeout(() => this.settleSync(nonce), SYNC_TIMEOUT_MS).unref();
    });
    await this.client.query('SELECT pg_notify($1, $2)', [CHANNEL, SYNC_PREFIX + nonce]).catch(() => this.settleSync(nonce));
    await seen;
    await new Promise((resolve) => setTimeout(resolve, SYNC_MARGIN_MS));
  }

  private async listen(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({ connectionString: this.server.url, keepAlive: true });
    let lost = false;
    const lose = (error?: Error) => {
      if (lost) return;
      lost = true;
      this.onConnectionLost(client, error);
    };
    client.on('notification', (message) => this.onNotification(message.payload ?? ''));
    client.on('error', lose);
    client.on('end', () => lose());
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
    } catch (error) {
      lose(error as Error);
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.epoch++;
    this.entries.clear();
    this.listening = true;
  }

  private onNotification(payload: string): void {
    if (payload.startsWith(SYNC_PREFIX)) {
      this.settleSync(payload.slice(SYNC_PREFIX.length));
      return;
    }
    this.epoch++;
    this.stats.invalidations++;
    this.entries.delete(payload);
  }

  private settleSync(nonce: string): void {
    this.pendingSyncs.get(nonce)?.();
    this.pendingSyncs.delete(nonce);
  }

  private onConnectionLost(client: pg.Client, error?: Error): void {
    this.client = undefined;
    if (this.listening && !this.stopped) this.logger.warn(`revocation listener lost (${error?.message ?? 'closed'}): cache off until it is back`);
    this.goDeaf();
    client.end().catch(() => undefined);
    if (!this.stopped) this.reconnectTimer = setTimeout(() => void this.listen(), RECONNECT_DELAY_MS).unref();
  }

  private goDeaf(): void {
    this.listening = false;
    this.epoch++;
    this.entries.clear();
    for (const nonce of [...this.pendingSyncs.keys()]) this.settleSync(nonce);
  }
}
