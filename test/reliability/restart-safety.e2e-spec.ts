// A refresh interrupted by a crash between the database write and the response: the session stays
// usable through the grace window.
//
// How the crash is produced, deterministically, with the built service as a child process (no race to
// win, no retries): the test holds a row lock on the session (SELECT ... FOR UPDATE in an open
// transaction), so the service's rotation (one UPDATE, autocommit) waits in PostgreSQL. Once it is seen
// waiting (pg_stat_activity), the test freezes the service (SIGSTOP) and releases the lock: PostgreSQL
// runs the UPDATE and commits it by itself, but the frozen process can neither read the result nor
// answer. The test checks that the rotation committed (the session's generation advanced), then kills
// the process (SIGKILL: its memory is gone). The client's request ends without a response.
// Polling the database and killing the process "right after the commit" would be a race the test loses
// nearly every time: the service answers a fraction of a millisecond after the commit.
//
// The client then retries the same refresh token, within the grace window, against a new instance of the
// service on the same database: started before the crash, so that how long a process takes to start on
// a busy machine does not eat into the window (JWT_REFRESH_REUSE_GRACE keeps its default, 10 s).
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { decodeJwt, PASSWORD, uniqueEmail } from '../support/api.js';
import { HttpCallError, httpCall, type HttpResponse } from '../support/http-client.js';
import { ensureBuilt, startService, stopAllServices, type ServiceProcess } from '../support/service-process.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('restart safety: a refresh cut by a crash after its database write', () => {
  let database: TestDatabase;
  let db: pg.Client;

  beforeAll(async () => {
    const build = await ensureBuilt();
    console.log(build.built ? `nest build: ${(build.ms / 1000).toFixed(1)} s` : 'nest build: up to date, reused');
    database = await createTestDatabase();
    db = new pg.Client({ connectionString: database.url });
    await db.connect();
  }, 360_000);

  afterAll(async () => {
    await stopAllServices();
    await db?.end();
    await database?.drop();
  });

  const sessionRow = async (id: string) =>
    (
      await db.query<{ generation: number; token_hash: string; revoked_at: Date | null; rotated_at: Date }>(
        'SELECT generation, token_hash, revoked_at, rotated_at FROM sessions WHERE id = $1',
        [id],
      )
    ).rows[0];

  it("the retried refresh gets 200 with the session's current refresh token, and the session goes on", async () => {
    const crashing: ServiceProcess = await startService({ databaseUrl: database.url });
    const signup = await httpCall(crashing.port, 'POST', '/auth/signup', { body: { email: uniqueEmail('crash'), password: PASSWORD } });
    expect(signup.status).toBe(201);
    const { refreshToken } = signup.body as { refreshToken: string };
    const sessionId = decodeJwt(refreshToken).payload.sid as string;
    const before = await sessionRow(sessionId);

    // The new instance, on the same database, up before the crash.
    const survivor = await startService({ databaseUrl: database.url });

    // Hold the session's row, send the refresh, and wait until its UPDATE waits for the row.
    const locker = new pg.Client({ connectionString: database.url });
    await locker.connect();
    let lost: HttpResponse | HttpCallError;
    let rotatedAt: Date;
    try {
      await locker.query('BEGIN');
      await locker.query('SELECT 1 FROM sessions WHERE id = $1 FOR UPDATE', [sessionId]);
      const refresh = httpCall(crashing.port, 'POST', '/auth/refresh', { token: refreshToken, timeoutMs: 30_000 }).then(
        (response) => response,
        (error: HttpCallError) => error,
      );
      const waitingSince = performance.now();
      for (;;) {
        const { rows } = await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid() AND query ILIKE '%UPDATE%'`,
        );
        if (rows[0].n === 1) break;
        if (performance.now() - waitingSince > 15_000) throw new Error('the refresh never reached its UPDATE');
        await sleep(10);
      }

      // Freeze the service, let PostgreSQL run the UPDATE and commit it, check it did, then kill the service.
      crashing.child.kill('SIGSTOP');
      await locker.query('ROLLBACK');
      const committedSince = performance.now();
      for (;;) {
        const row = await sessionRow(sessionId);
        if (row.generation === before.generation + 1) {
          rotatedAt = row.rotated_at;
          break;
        }
        if (performance.now() - committedSince > 15_000) throw new Error('the rotation never committed');
        await sleep(5);
      }
      crashing.child.kill('SIGKILL');
      expect(await crashing.exited).toMatchObject({ signal: 'SIGKILL' });
      lost = await refresh;
    } finally {
      await locker.end();
    }

    // The client got no response: its refresh was lost with the process.
    expect(lost).toBeInstanceOf(HttpCallError);
    expect(['ECONNRESET', 'EPIPE']).toContain((lost as HttpCallError).code);
    const afterCrash = await sessionRow(sessionId);
    expect(afterCrash.generation).toBe(before.generation + 1);
    expect(afterCrash.token_hash).not.toBe(sha256(refreshToken));

    // The retry, within the grace window: 200 with the session's current refresh token (the one the lost
    // response carried: the database holds its hash), and a working access token.
    const retry = await httpCall(survivor.port, 'POST', '/auth/refresh', { token: refreshToken });
    const sinceRotation = Date.now() - rotatedAt.getTime();
    console.log(
      `crash after the rotation committed: the client got ${(lost as HttpCallError).code}; its retry ${sinceRotation} ms after the rotation ` +
        `(grace window 10 s) got ${retry.status}`,
    );
    expect(sinceRotation).toBeLessThan(10_000); // else the test was too slow, not the service wrong
    expect(retry.status).toBe(200);
    expect(sha256(retry.body.refreshToken)).toBe(afterCrash.token_hash);
    expect((await httpCall(survivor.port, 'GET', '/users/me', { token: retry.body.accessToken })).status).toBe(200);
    const replayed = await sessionRow(sessionId);
    expect(replayed).toMatchObject({ generation: before.generation + 1, revoked_at: null });

    // The session goes on: the next refresh rotates, nothing was revoked.
    const next = await httpCall(survivor.port, 'POST', '/auth/refresh', { token: retry.body.refreshToken });
    expect(next.status).toBe(200);
    expect((await httpCall(survivor.port, 'GET', '/users/me', { token: next.body.accessToken })).status).toBe(200);
    expect(await sessionRow(sessionId)).toMatchObject({ generation: before.generation + 2, revoked_at: null });
  }, 120_000);
});
