import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import pg from 'pg';
import { Clock } from '../clock/clock.js';
import { DATABASE_SERVER, type DatabaseServer } from '../database/database-server.js';
import { LiveSessionEntries, type LiveSessionUser } from './live-session-entries.js';

export { type LiveSessionUser } from './live-session-entries.js';

/**
 * The channel the database announces revoked and deleted sessions on, by session id, and users whose role
 * changed or who were deleted, as `user:<id>` (see the migrations' triggers).
 */
const CHANNEL = 'session_revoked';
/** Markers this service sends itself through the channel (sync and heartbeat). */
const MARKER_PREFIX = 'sync:';
const SYNC_TIMEOUT_MS = 500;
/** After this instance has the marker: time for the other listeners' backends to forward theirs. */
const SYNC_MARGIN_MS = 50;
const RECONNECT_DELAY_MS = 1_000;
/**
 * A marker every HEARTBEAT_INTERVAL_MS; one not back within HEARTBEAT_TIMEOUT_MS means the connection is
 * silently broken: cache off, reconnect. Together well within the 10 s the API allows a broken listener.
 */
const HEARTBEAT_INTERVAL_MS = 2_000;
const HEARTBEAT_TIMEOUT_MS = 3_000;
const CONNECT_TIMEOUT_MS = 5_000;
const QUERY_TIMEOUT_MS = 3_000;
/** TCP keepalive probes after this much silence (the OS default is about 2 hours). */
const TCP_KEEPALIVE_DELAY_MS = 5_000;
const SHUTDOWN_WAIT_MS = 1_000;

/**
 * Which sessions are live, cached in process for the access-token check on every request, and kept
 * right across instances by PostgreSQL LISTEN/NOTIFY: a trigger announces every revoked or deleted
 * session at commit, and every instance drops it from its cache.
 *
 * - The cache serves only while its LISTEN connection is up; on loss it is emptied and bypassed until
 *   the connection is back (notifications may have been missed meanwhile). The entries and the epoch
 *   check are in LiveSessionEntries.
 * - After a revocation, `sync()` waits until this instance's listener has received a marker sent after
 *   the revocation committed (PostgreSQL delivers notifications in commit order), and then a short margin:
 *   each listening backend forwards notifications on its own schedule, so another instance may get the same
 *   notification a moment later. When the revoking request answers, the other instances have been told.
 * - A connection can break without closing (a NAT or load balancer dropping the flow, a failover): a
 *   heartbeat marker must come back in time, or the connection counts as lost. Every query on it has a
 *   timeout, so `sync()` never hangs.
 */
@Injectable()
export class LiveSessionCache implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('LiveSessionCache');
  private readonly entries: LiveSessionEntries;
  private readonly pendingMarkers = new Map<string, (seen: boolean) => void>();
  private client: pg.Client | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  /** Gives up the current LISTEN connection (cache off, reconnect). */
  private loseCurrent: ((error: Error) => void) | undefined;
  private listening = false;
  private stopped = false;

  constructor(
    @Inject(DATABASE_SERVER) private readonly server: DatabaseServer,
    clock: Clock,
  ) {
    this.entries = new LiveSessionEntries(clock);
  }

  get stats(): LiveSessionEntries['stats'] {
    return this.entries.stats;
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.listen();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.heartbeatTimer);
    this.goDeaf();
    // A silently broken connection may never confirm its end: do not hold the shutdown for it.
    const ended = this.client?.end().catch(() => undefined);
    await Promise.race([ended, new Promise((resolve) => setTimeout(resolve, SHUTDOWN_WAIT_MS).unref())]);
  }

  get(sessionId: string): LiveSessionUser | undefined {
    return this.entries.get(sessionId);
  }

  /** Take before a database read; pass to `set` after it. */
  currentEpoch(): number {
    return this.entries.currentEpoch();
  }

  set(sessionId: string, user: LiveSessionUser, epochBeforeRead: number): void {
    this.entries.set(sessionId, user, epochBeforeRead);
  }

  /** Resolves once every revocation committed before this call has reached this instance's listener. */
  async sync(): Promise<void> {
    const client = this.listening ? this.client : undefined;
    if (!client) return;
    // Not back in time: the listener cannot be trusted with the revocation just made, so it counts as lost.
    if (!(await this.roundTrip(client, SYNC_TIMEOUT_MS)) && this.client === client)
      this.loseCurrent?.(new Error(`sync marker not back within ${SYNC_TIMEOUT_MS} ms`));
    await new Promise((resolve) => setTimeout(resolve, SYNC_MARGIN_MS));
  }

  /** Sends a marker through the channel; true once the listener has it back, false after `timeoutMs`. */
  private roundTrip(client: pg.Client, timeoutMs: number): Promise<boolean> {
    const nonce = randomUUID();
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => this.settleMarker(nonce, false), timeoutMs).unref();
      this.pendingMarkers.set(nonce, (seen) => {
        clearTimeout(timer);
        resolve(seen);
      });
      client.query('SELECT pg_notify($1, $2)', [CHANNEL, MARKER_PREFIX + nonce]).catch(() => this.settleMarker(nonce, false));
    });
  }

  private scheduleHeartbeat(client: pg.Client): void {
    this.heartbeatTimer = setTimeout(async () => {
      const seen = await this.roundTrip(client, HEARTBEAT_TIMEOUT_MS);
      if (this.client !== client) return;
      if (seen) this.scheduleHeartbeat(client);
      else this.loseCurrent?.(new Error(`no heartbeat back within ${HEARTBEAT_TIMEOUT_MS} ms`));
    }, HEARTBEAT_INTERVAL_MS).unref();
  }

  private async listen(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({
      connectionString: this.server.url,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      query_timeout: QUERY_TIMEOUT_MS,
      keepAlive: true,
      keepAliveInitialDelayMillis: TCP_KEEPALIVE_DELAY_MS,
    });
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
    this.loseCurrent = lose;
    this.entries.enable();
    this.listening = true;
    this.scheduleHeartbeat(client);
  }

  private onNotification(payload: string): void {
    if (payload.startsWith(MARKER_PREFIX)) {
      this.settleMarker(payload.slice(MARKER_PREFIX.length), true);
      return;
    }
    this.entries.invalidate(payload);
  }

  private settleMarker(nonce: string, seen: boolean): void {
    this.pendingMarkers.get(nonce)?.(seen);
    this.pendingMarkers.delete(nonce);
  }

  private onConnectionLost(client: pg.Client, error?: Error): void {
    if (this.client === client) clearTimeout(this.heartbeatTimer);
    this.client = undefined;
    this.loseCurrent = undefined;
    if (this.listening && !this.stopped)
      this.logger.warn(`revocation listener lost (${error?.message ?? 'closed'}): cache off until it is back`);
    this.goDeaf();
    client.end().catch(() => undefined);
    if (!this.stopped) this.reconnectTimer = setTimeout(() => void this.listen(), RECONNECT_DELAY_MS).unref();
  }

  private goDeaf(): void {
    this.listening = false;
    this.entries.disable();
    for (const nonce of [...this.pendingMarkers.keys()]) this.settleMarker(nonce, false);
  }
}
