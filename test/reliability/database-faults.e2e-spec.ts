// The database fails under the running service: a PostgreSQL of this file's own (temporary directory,
// own port) is stopped mid-traffic and started again; a lock makes it slow. The service runs in process
// (startTestApp) against that server, with DATABASE_TIMEOUT 2s.
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { freePort, startEmbeddedPostgres } from '../../src/database/embedded-postgres.js';
import { PASSWORD, uniqueEmail } from '../support/api.js';
import { HttpCallError, httpCall, keepAliveAgent, type HttpCallOptions } from '../support/http-client.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

type EmbeddedPostgres = Awaited<ReturnType<typeof startEmbeddedPostgres>>;

const TIMEOUT_SECONDS = 2;
const TIMEOUT_MS = TIMEOUT_SECONDS * 1000;
/** Slack for a busy two-core machine on top of DATABASE_TIMEOUT: still far from "hangs". */
const MARGIN_MS = 1500;
const RECOVERY_LIMIT_MS = 5000;
const UNAVAILABLE = { statusCode: 503, message: 'database unavailable, try again shortly', error: 'Service Unavailable' };

/** The processes whose parent is `pid` (from /proc: PostgreSQL's backends each run in a session of their own). */
function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // "pid (comm) state ppid ...": comm may hold spaces, so read after its closing parenthesis.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) children.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return children;
}

/** SIGSTOP on the postmaster first (it forks no more), then on every backend: a server that stops answering. */
function freezeServer(postmaster: number): number[] {
  process.kill(postmaster, 'SIGSTOP');
  const pids = [postmaster, ...childrenOf(postmaster)];
  for (const pid of pids.slice(1)) process.kill(pid, 'SIGSTOP');
  return pids;
}

function thawServer(pids: number[]): void {
  for (const pid of [...pids].reverse()) {
    try {
      process.kill(pid, 'SIGCONT');
    } catch {
      // already gone
    }
  }
}

describe('database faults: outage and recovery, slow queries', () => {
  let root: string;
  let dataDir: string;
  let pgPort: number;
  let server: EmbeddedPostgres | undefined;
  let t: TestApp | undefined;
  let port: number;

  const startPostgres = async () => {
    server = await startEmbeddedPostgres({
      dataDir,
      port: pgPort,
      settings: ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off'],
    });
    return server;
  };

  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'nest-jwt-auth-faults-'));
    chmodSync(root, 0o755); // the server runs as the `postgres` user when we are root
    dataDir = path.join(root, 'pg');
    pgPort = await freePort();
    const { url } = await startPostgres();
    // The app migrates the server's `postgres` database itself at start-up; nothing to drop afterwards.
    t = await startTestApp({ DATABASE_TIMEOUT: `${TIMEOUT_SECONDS}s` }, { url, name: 'postgres', drop: async () => undefined });
    await t.app.listen(0, '127.0.0.1');
    port = (t.http.address() as AddressInfo).port;
  }, 120_000);

  afterAll(async () => {
    if (server) thawServer([server.pid, ...childrenOf(server.pid)]); // never leave a frozen server behind
    await t?.close();
    await server?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  const call = (method: string, url: string, options: HttpCallOptions = {}) =>
    httpCall(port, method, url, { timeoutMs: 30_000, ...options });
  const signUp = async () => {
    const response = await call('POST', '/auth/signup', { body: { email: uniqueEmail('fault'), password: PASSWORD } });
    expect(response.status).toBe(201);
    return response.body as { email: string; accessToken: string; refreshToken: string };
  };

  it('database down mid-traffic: 503 with a clear message within the timeout, /health 503; back: recovers by itself, no session lost', async () => {
    const users = await Promise.all(Array.from({ length: 4 }, signUp));

    // Traffic all along: /users/me and /health from 8 clients. Each answer is 200 or 503, in bounded time.
    const traffic: { path: string; status?: number; error?: string; ms: number }[] = [];
    let trafficOn = true;
    const clients = Array.from({ length: 8 }, async (_, index) => {
      const agent = keepAliveAgent(1);
      const user = users[index % users.length];
      while (trafficOn) {
        const path = index % 4 === 0 ? '/health' : '/users/me';
        try {
          const response = await call('GET', path, { agent, token: user.accessToken });
          traffic.push({ path, status: response.status, ms: response.ms });
        } catch (error) {
          traffic.push({ path, error: (error as HttpCallError).code, ms: (error as HttpCallError).ms });
        }
        await sleep(5);
      }
      agent.destroy();
    });
    await sleep(500);

    await server!.stop();
    const stoppedAt = performance.now();
    server = undefined;

    // Each kind of request that needs the database: 503 with the message, in bounded time.
    const down = {
      me: await call('GET', '/users/me', { token: users[0].accessToken }),
      signin: await call('POST', '/auth/signin', { body: { email: users[0].email, password: PASSWORD } }),
      refresh: await call('POST', '/auth/refresh', { token: users[0].refreshToken }),
      signup: await call('POST', '/auth/signup', { body: { email: uniqueEmail('fault'), password: PASSWORD } }),
      sessions: await call('GET', '/auth/sessions', { token: users[0].accessToken }),
    };
    for (const [name, response] of Object.entries(down)) {
      expect({ name, status: response.status, body: response.body }).toEqual({ name, status: 503, body: UNAVAILABLE });
    }
    const slow = Object.entries(down).filter(([, response]) => response.ms >= TIMEOUT_MS + MARGIN_MS);
    expect(slow.map(([name, response]) => `${name}: ${response.ms.toFixed(0)} ms`)).toEqual([]);
    console.log(
      `database down: ${Object.entries(down)
        .map(([name, response]) => `${name} 503 in ${response.ms.toFixed(0)} ms`)
        .join(', ')}`,
    );
    const health = await call('GET', '/health');
    expect(health.status).toBe(503);
    expect(health.body).toMatchObject({ status: 'error', error: { database: { status: 'down' } } });
    expect(health.ms).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
    // Down for longer than the timeout, so that any request waiting on the database would show it.
    await sleep(TIMEOUT_MS + 500 - (performance.now() - stoppedAt));

    const restartedAt = performance.now();
    await startPostgres();
    const upAt = performance.now();
    let recoveredAt = 0;
    while (!recoveredAt) {
      const [healthNow, meNow] = await Promise.all([call('GET', '/health'), call('GET', '/users/me', { token: users[1].accessToken })]);
      if (healthNow.status === 200 && meNow.status === 200) recoveredAt = performance.now();
      else if (performance.now() - upAt > RECOVERY_LIMIT_MS + 10_000) break;
      else await sleep(25);
    }
    const recoveryMs = recoveredAt - upAt;
    await sleep(300);
    trafficOn = false;
    await Promise.all(clients);
    const tally = traffic.reduce<Record<string, number>>(
      (count, r) => ({ ...count, [r.status ?? r.error!]: (count[r.status ?? r.error!] ?? 0) + 1 }),
      {},
    );
    console.log(
      `database outage of ${((upAt - stoppedAt) / 1000).toFixed(1)} s (PostgreSQL took ${(upAt - restartedAt).toFixed(0)} ms to start again): ` +
        `the service answered /health and /users/me with 200 ${recoveryMs.toFixed(0)} ms after the database was up (limit ${RECOVERY_LIMIT_MS} ms); ` +
        `traffic during the run: ${JSON.stringify(tally)}, slowest answer ${Math.max(...traffic.map((r) => r.ms)).toFixed(0)} ms`,
    );
    expect(recoveredAt).toBeGreaterThan(0);
    expect(recoveryMs).toBeLessThan(RECOVERY_LIMIT_MS);

    // The traffic: 200 or 503 only, never a hang, and some of each (it did run through the outage).
    expect(traffic.filter((r) => r.status !== 200 && r.status !== 503)).toEqual([]);
    expect(traffic.filter((r) => r.ms >= TIMEOUT_MS + MARGIN_MS)).toEqual([]);
    expect(tally['503']).toBeGreaterThan(0);
    expect(tally['200']).toBeGreaterThan(0);

    // No session issued before the outage is lost: access tokens work, refresh tokens rotate, and so on.
    for (const user of users) {
      expect((await call('GET', '/users/me', { token: user.accessToken })).status).toBe(200);
      const refreshed = await call('POST', '/auth/refresh', { token: user.refreshToken });
      expect(refreshed.status).toBe(200);
      expect((await call('GET', '/users/me', { token: refreshed.body.accessToken })).status).toBe(200);
      expect((await call('POST', '/auth/refresh', { token: refreshed.body.refreshToken })).status).toBe(200);
    }
    // And everything else works again.
    await signUp();
    expect((await call('POST', '/auth/signin', { body: { email: users[2].email, password: PASSWORD } })).status).toBe(200);
    // Never a 500: the exception filter logs those at error level (the outage's 503s are warnings).
    expect(t!.logs.filter((line) => line.context === 'Exceptions' && Number(line.level) >= 50)).toEqual([]);
    expect(t!.logs.some((line) => line.context === 'Exceptions' && /^database unavailable/.test(String(line.msg)))).toBe(true);
  }, 90_000);

  it('slow database: a query held by a lock gives 503 after DATABASE_TIMEOUT, not an endless wait; it works once the lock is gone', async () => {
    const user = await signUp();
    const locker = new pg.Client({ connectionString: server!.url });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE users IN ACCESS EXCLUSIVE MODE');

      for (const [name, send] of [
        ['/users/me', () => call('GET', '/users/me', { token: user.accessToken })],
        ['sign-in', () => call('POST', '/auth/signin', { body: { email: user.email, password: PASSWORD } })],
      ] as const) {
        const response = await send();
        console.log(
          `slow database: ${name} answered ${response.status} after ${response.ms.toFixed(0)} ms (DATABASE_TIMEOUT ${TIMEOUT_MS} ms)`,
        );
        expect({ name, status: response.status, body: response.body }).toEqual({ name, status: 503, body: UNAVAILABLE });
        // The statement timeout, not a failure to connect: it waited about DATABASE_TIMEOUT, and no longer.
        expect(response.ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
        expect(response.ms).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
      }
      // What does not touch the locked table is not held up.
      expect((await call('GET', '/health')).status).toBe(200);
    } finally {
      await locker.query('ROLLBACK').catch(() => undefined);
      await locker.end();
    }
    const me = await call('GET', '/users/me', { token: user.accessToken });
    expect(me.status).toBe(200);
    expect(me.ms).toBeLessThan(TIMEOUT_MS);
    expect((await call('POST', '/auth/signin', { body: { email: user.email, password: PASSWORD } })).status).toBe(200);
  }, 60_000);

  it('frozen database (SIGSTOP, connections left open): 503 within DATABASE_TIMEOUT plus a second, never a hang; thawed: recovers by itself', async () => {
    const users = await Promise.all(Array.from({ length: 3 }, signUp));
    // Warm the pool: idle connections to the server, which the freeze leaves open and silent.
    for (const user of users) expect((await call('GET', '/users/me', { token: user.accessToken })).status).toBe(200);
    const frozenPids = freezeServer(server!.pid);
    try {
      const frozen = await Promise.all(
        [
          ['me', () => call('GET', '/users/me', { token: users[0].accessToken, timeoutMs: 15_000 })],
          ['me (another user)', () => call('GET', '/users/me', { token: users[1].accessToken, timeoutMs: 15_000 })],
          ['signin', () => call('POST', '/auth/signin', { body: { email: users[2].email, password: PASSWORD }, timeoutMs: 15_000 })],
          ['refresh', () => call('POST', '/auth/refresh', { token: users[2].refreshToken, timeoutMs: 15_000 })],
          ['sessions', () => call('GET', '/auth/sessions', { token: users[1].accessToken, timeoutMs: 15_000 })],
          ['signup', () => call('POST', '/auth/signup', { body: { email: uniqueEmail('fault'), password: PASSWORD }, timeoutMs: 15_000 })],
        ].map(async ([name, send]) => {
          try {
            const response = await (send as () => ReturnType<typeof call>)();
            return { name, status: response.status, body: response.body, ms: response.ms };
          } catch (error) {
            return { name, status: (error as HttpCallError).code, body: undefined, ms: (error as HttpCallError).ms };
          }
        }),
      );
      console.log(`frozen database: ${frozen.map((r) => `${String(r.name)} ${r.status} in ${r.ms.toFixed(0)} ms`).join(', ')}`);
      for (const { name, status, body } of frozen) expect({ name, status, body }).toEqual({ name, status: 503, body: UNAVAILABLE });
      expect(frozen.filter((r) => r.ms >= TIMEOUT_MS + 1000).map((r) => `${String(r.name)}: ${r.ms.toFixed(0)} ms`)).toEqual([]);
      const health = await call('GET', '/health', { timeoutMs: 15_000 });
      expect(health.status).toBe(503);
      expect(health.ms).toBeLessThan(TIMEOUT_MS + 1000);
    } finally {
      thawServer(frozenPids);
    }

    const thawedAt = performance.now();
    let recovered = false;
    while (!recovered && performance.now() - thawedAt < RECOVERY_LIMIT_MS) {
      const [health, me] = await Promise.all([call('GET', '/health'), call('GET', '/users/me', { token: users[0].accessToken })]);
      recovered = health.status === 200 && me.status === 200;
      if (!recovered) await sleep(50);
    }
    console.log(`frozen database: recovered ${(performance.now() - thawedAt).toFixed(0)} ms after the thaw`);
    expect(recovered).toBe(true);
    for (const user of users) expect((await call('GET', '/users/me', { token: user.accessToken })).status).toBe(200);
    expect((await call('POST', '/auth/signin', { body: { email: users[2].email, password: PASSWORD } })).status).toBe(200);
    expect(t!.logs.filter((line) => line.context === 'Exceptions' && Number(line.level) >= 50)).toEqual([]);
  }, 90_000);
});
