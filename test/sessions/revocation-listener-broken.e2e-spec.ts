// The connection that carries revocations to an instance breaks silently (a NAT or load balancer drops the
// flow, a failover): nothing is closed, nothing arrives. The instance runs over a TCP relay of this file's own,
// which freezes the listener's connection only (the one that sent LISTEN), so the pool keeps working.
import { type AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { LiveSessionCache } from '../../src/sessions/live-session-cache.js';
import { PASSWORD, uniqueEmail, type Session } from '../support/api.js';
import { httpCall } from '../support/http-client.js';
import { startTcpRelay, type TcpRelay } from '../support/tcp-relay.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** The contract: a silently broken listener stops the instance trusting its cache within this. */
const DISTRUST_LIMIT_MS = 10_000;

describe('revocation listener silently broken', () => {
  let database: TestDatabase;
  let relay: TcpRelay;
  let t: TestApp;
  let direct: pg.Client;
  let port: number;

  beforeAll(async () => {
    database = await createTestDatabase();
    const target = new URL(database.url);
    relay = await startTcpRelay({ host: target.hostname, port: Number(target.port || 5432) });
    t = await startTestApp({}, { ...database, url: relay.via(database.url) });
    await t.app.listen(0, '127.0.0.1');
    port = (t.http.address() as AddressInfo).port;
    // Another writer on the database, not through the relay (another instance, a manual fix).
    direct = new pg.Client({ connectionString: database.url });
    await direct.connect();
  });

  afterAll(async () => {
    relay?.thaw();
    await direct?.end();
    await t?.close();
    await relay?.close();
    await database?.drop();
  });

  const call = (method: string, url: string, token?: string, body?: unknown) =>
    httpCall(port, method, url, { token, body, timeoutMs: 20_000 });
  const cache = () => t.app.get(LiveSessionCache);

  /** Signs up and has the instance cache the session (the second /users/me is a cache hit). */
  const cachedSession = async (): Promise<Session> => {
    const signup = await call('POST', '/auth/signup', undefined, { email: uniqueEmail('listener'), password: PASSWORD });
    expect(signup.status).toBe(201);
    const user = signup.body as Session;
    expect((await call('GET', '/users/me', user.accessToken)).status).toBe(200);
    const hits = cache().stats.hits;
    expect((await call('GET', '/users/me', user.accessToken)).status).toBe(200);
    expect(cache().stats.hits).toBe(hits + 1);
    return user;
  };

  /** A cached session once the listener is up (again): the cache serves only while it listens. */
  const cachedSessionOnceListening = async (): Promise<Session> => {
    const deadline = performance.now() + 10_000;
    for (;;) {
      try {
        return await cachedSession();
      } catch (error) {
        if (performance.now() > deadline) throw error;
        await sleep(200);
      }
    }
  };

  it('frozen listener, no traffic on the instance: a revocation it missed is honoured within 10 s (heartbeat)', async () => {
    const user = await cachedSessionOnceListening();
    expect(relay.freezeWhereSent('LISTEN session_revoked')).toBe(1);
    const frozenAt = performance.now();
    try {
      // Revoked directly in the database: the notification cannot reach this instance.
      await direct.query('UPDATE sessions SET revoked_at = now() WHERE user_id = $1', [user.id]);
      const statuses: number[] = [];
      while (performance.now() - frozenAt < DISTRUST_LIMIT_MS + 5_000) {
        const me = await call('GET', '/users/me', user.accessToken);
        statuses.push(me.status);
        if (me.status === 401) break;
        await sleep(100);
      }
      const refusedAfterMs = performance.now() - frozenAt;
      const answers = Object.entries(statuses.reduce<Record<number, number>>((count, s) => ({ ...count, [s]: (count[s] ?? 0) + 1 }), {}));
      console.log(
        `frozen listener: revoked token answered ${statuses.at(-1)} ${refusedAfterMs.toFixed(0)} ms after the freeze (answers: ${JSON.stringify(answers)})`,
      );
      expect(statuses.at(-1)).toBe(401);
      expect(refusedAfterMs).toBeLessThan(DISTRUST_LIMIT_MS);
      expect(
        t.logs.some((line) => line.context === 'LiveSessionCache' && /revocation listener lost \(no heartbeat/.test(String(line.msg))),
      ).toBe(true);
    } finally {
      relay.thaw();
    }

    // The listener is back (a new connection): the cache serves again, and revocations reach it again.
    const again = await cachedSessionOnceListening();
    await direct.query('UPDATE sessions SET revoked_at = now() WHERE user_id = $1', [again.id]);
    await sleep(200);
    expect((await call('GET', '/users/me', again.accessToken)).status).toBe(401);
  }, 60_000);

  it('frozen listener: a sign-out on the instance answers at once, and the instance refuses the token at once', async () => {
    const user = await cachedSessionOnceListening();
    expect(relay.freezeWhereSent('LISTEN session_revoked')).toBe(1);
    try {
      // The sign-out waits for this instance's listener to confirm: bounded, even with the listener frozen.
      const signout = await call('POST', '/auth/signout', user.accessToken);
      console.log(`frozen listener: sign-out answered ${signout.status} in ${signout.ms.toFixed(0)} ms`);
      expect(signout.status).toBe(204);
      expect(signout.ms).toBeLessThan(3_000);
      expect((await call('GET', '/users/me', user.accessToken)).status).toBe(401);
    } finally {
      relay.thaw();
    }
  }, 60_000);
});
