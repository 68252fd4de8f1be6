// Three instances of the built service (node dist/main.js, production mode) on one PostgreSQL database and the
// machine's Redis, behind a real nginx that balances them round robin with the deployment's own proxy settings
// (deploy/nginx/api-proxy.conf). The test talks to nginx only. nginx's access log ($upstream_addr, by X-Request-Id)
// says which instance served each request. This nginx has one worker and serves nothing but this file's requests,
// sent one after the other: its round robin follows their order, so "the next request lands on the next instance"
// is deterministic, and every such step is checked against the log.
//
// Clients are told apart the way nginx tells them apart, by their address: each case connects from an address of
// its own in 127.0.0.0/8, so that cases never share a budget. nginx writes it into X-Forwarded-For. The instances
// trust the whole range that nginx is in (TRUST_PROXY=loopback), as the Compose profile trusts Docker's private
// ranges: so it is nginx's overwriting the header, not a narrow TRUST_PROXY, that keeps a client's own
// X-Forwarded-For from counting.
import type http from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { decodeJwt, PASSWORD, uniqueEmail } from '../support/api.js';
import { HttpCallError, httpCall, keepAliveAgent, type HttpCallOptions, type HttpResponse } from '../support/http-client.js';
import { startNginx, type Nginx } from '../support/nginx.js';
import { describeWhen, nginxBinary, redisUrlForTests } from '../support/requirements.js';
import { ensureBuilt, startService, stopAllServices, type ServiceProcess } from '../support/service-process.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const NGINX = nginxBinary();
const REDIS_URL = await redisUrlForTests();
const describeBehindNginx =
  NGINX === undefined
    ? describeWhen(false, 'the tests behind nginx', 'install nginx: apt-get install nginx')
    : describeWhen(REDIS_URL !== undefined, 'the tests behind nginx', 'start Redis on 127.0.0.1:6379 or set TEST_REDIS_URL');

const INSTANCES = 3;
const RATE_LIMIT_PER_MINUTE = 15;
const SIGNIN_MAX_FAILURES = 5;

/** A response through nginx, with the X-Request-Id it was sent with (the key to its access-log line). */
interface Sent extends HttpResponse {
  id: string;
}

describeBehindNginx(`${INSTANCES} instances behind nginx, one database, one Redis`, () => {
  let database: TestDatabase;
  let instances: ServiceProcess[] = [];
  let nginx: Nginx;

  beforeAll(async () => {
    const build = await ensureBuilt();
    console.log(build.built ? `nest build: ${(build.ms / 1000).toFixed(1)} s` : 'nest build: up to date, reused');
    database = await createTestDatabase();
    const env = {
      REDIS_URL: REDIS_URL!,
      TRUST_PROXY: 'loopback',
      RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT_PER_MINUTE),
      SIGNIN_MAX_FAILURES: String(SIGNIN_MAX_FAILURES),
    };
    instances = await Promise.all(Array.from({ length: INSTANCES }, () => startService({ databaseUrl: database.url, env })));
    nginx = await startNginx(
      NGINX!,
      instances.map((instance) => instance.port),
    );
  }, 360_000);

  afterAll(async () => {
    await nginx?.stop();
    await stopAllServices();
    await database?.drop();
  });

  let lastClient = 1; // 127.0.0.1 is nginx itself
  /** A client of its own: an address nobody else in this file uses. */
  const newClient = () => `127.0.0.${++lastClient}`;

  let requests = 0;
  /** One request from `client` through nginx. */
  const call = async (client: string, method: string, path: string, options: HttpCallOptions = {}): Promise<Sent> => {
    const id = `scaling-${++requests}`;
    const headers = { ...options.headers, 'x-request-id': id };
    const response = await httpCall(nginx.port, method, path, { ...options, headers, localAddress: client });
    return { ...response, id };
  };

  /** Which instance (index into `instances`) served each request, from nginx's access log: one each, while all are up. */
  const servedBy = async (...responses: Sent[]): Promise<number[]> => {
    const served = await nginx.served(responses.map((response) => response.id));
    return responses.map((response) => {
      const { upstreams } = served.get(response.id)!;
      expect(upstreams).toHaveLength(1);
      return instanceAt(upstreams[0]);
    });
  };
  const instanceAt = (upstream: string) => {
    const index = instances.findIndex((instance) => upstream === `127.0.0.1:${instance.port}`);
    if (index < 0) throw new Error(`nginx used an upstream that is none of the instances: ${upstream}`);
    return index;
  };
  /** The instance after `index` in nginx's round robin. */
  const next = (index: number, steps = 1) => (index + steps) % INSTANCES;

  const signUp = async (client: string) => {
    const response = await call(client, 'POST', '/auth/signup', { body: { email: uniqueEmail('scaling'), password: PASSWORD } });
    expect(response.status).toBe(201);
    return response.body as { email: string; accessToken: string; refreshToken: string };
  };

  const expectRetryAfter = (response: Sent) => {
    expect(response.status).toBe(429);
    expect(response.headers['retry-after']).toMatch(/^\d+$/);
    expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
  };

  it('spreads requests round robin over the three instances, which see the client address that nginx saw', async () => {
    const client = newClient();
    const checks: Sent[] = [];
    for (let i = 0; i < 3 * INSTANCES; i++) checks.push(await call(client, 'GET', '/health'));
    expect(checks.map((response) => response.status)).toEqual(checks.map(() => 200));
    const order = await servedBy(...checks);
    expect(new Set(order).size).toBe(INSTANCES);
    for (let i = 1; i < order.length; i++) expect(order[i]).toBe(next(order[i - 1]));

    // The sign-up's audit event holds the client's address (127.0.0.x), not nginx's and not one the client made up.
    const spoofing = await call(client, 'POST', '/auth/signup', {
      body: { email: uniqueEmail('scaling'), password: PASSWORD },
      headers: { 'x-forwarded-for': '203.0.113.9' },
    });
    expect(spoofing.status).toBe(201);
    const events = await call(client, 'GET', '/auth/events', { token: spoofing.body.accessToken });
    expect(events.status).toBe(200);
    expect(events.body).toEqual([expect.objectContaining({ type: 'signup', ip: client })]);
  });

  it('a sign-out through one instance: the other two refuse the access token on their very next request', async () => {
    const signedOutOn = new Set<number>();
    for (let round = 0; round < INSTANCES; round++) {
      const client = newClient();
      const user = await signUp(client);
      // Every instance serves the token once (from its cache of live sessions from then on).
      const warm: Sent[] = [];
      for (let i = 0; i < INSTANCES; i++) warm.push(await call(client, 'GET', '/users/me', { token: user.accessToken }));
      expect(warm.map((response) => response.status)).toEqual([200, 200, 200]);
      expect(new Set(await servedBy(...warm)).size).toBe(INSTANCES);

      const signOut = await call(client, 'POST', '/auth/signout', { token: user.accessToken });
      expect(signOut.status).toBe(204);
      const after: Sent[] = [];
      for (let i = 0; i < INSTANCES; i++) after.push(await call(client, 'GET', '/users/me', { token: user.accessToken }));
      const [on, ...then] = await servedBy(signOut, ...after);
      // The next request lands on the next instance, the one after on the third: no waiting in between.
      expect(then).toEqual([next(on, 1), next(on, 2), on]);
      expect(after.map((response) => response.status)).toEqual([401, 401, 401]);
      signedOutOn.add(on);
    }
    // 8 requests a round: the sign-out moved to another instance each time.
    expect(signedOutOn.size).toBe(INSTANCES);
  });

  it(`the sign-in lockout counts failures across instances: ${SIGNIN_MAX_FAILURES} spread over three lock the account`, async () => {
    const user = await signUp(newClient());
    const client = newClient();
    const failures: Sent[] = [];
    for (let i = 0; i < SIGNIN_MAX_FAILURES; i++) {
      failures.push(await call(client, 'POST', '/auth/signin', { body: { email: user.email, password: 'wrong-password-1' } }));
    }
    expect(failures.map((response) => response.status)).toEqual(failures.map(() => 401));
    const failuresOn = await servedBy(...failures);
    // No instance saw enough failures to lock the account by itself.
    for (let index = 0; index < INSTANCES; index++) {
      expect(failuresOn.filter((on) => on === index).length).toBeLessThan(SIGNIN_MAX_FAILURES);
    }

    // Locked on every instance, even with the right password.
    const locked: Sent[] = [];
    for (let i = 0; i < INSTANCES; i++)
      locked.push(await call(client, 'POST', '/auth/signin', { body: { email: user.email, password: PASSWORD } }));
    for (const response of locked) expectRetryAfter(response);
    expect(new Set(await servedBy(...locked)).size).toBe(INSTANCES);

    // Per (email, client): the same account from another client signs in.
    expect((await call(newClient(), 'POST', '/auth/signin', { body: { email: user.email, password: PASSWORD } })).status).toBe(200);
  });

  it(`the per-client rate limit counts across instances: the ${RATE_LIMIT_PER_MINUTE + 1}th refresh is 429 wherever it lands`, async () => {
    const client = newClient();
    const spent: Sent[] = [];
    for (let i = 0; i < RATE_LIMIT_PER_MINUTE; i++) spent.push(await call(client, 'POST', '/auth/refresh', { token: 'not.a.token' }));
    expect(spent.map((response) => response.status)).toEqual(spent.map(() => 401));
    const spentOn = await servedBy(...spent);
    for (let index = 0; index < INSTANCES; index++) {
      expect(spentOn.filter((on) => on === index).length).toBeLessThan(RATE_LIMIT_PER_MINUTE);
    }

    const over: Sent[] = [];
    for (let i = 0; i < INSTANCES; i++) over.push(await call(client, 'POST', '/auth/refresh', { token: 'not.a.token' }));
    for (const response of over) expectRetryAfter(response);
    expect(new Set(await servedBy(...over)).size).toBe(INSTANCES);

    // An X-Forwarded-For of the client's own making buys no new budget (nginx sets the header).
    expectRetryAfter(await call(client, 'POST', '/auth/refresh', { token: 'not.a.token', headers: { 'x-forwarded-for': '203.0.113.7' } }));
    // Another client has a budget of its own.
    expect((await call(newClient(), 'POST', '/auth/refresh', { token: 'not.a.token' })).status).toBe(401);
  });

  it('a refresh rotated on one instance and replayed within the grace window on another: both 200, the same pair', async () => {
    const client = newClient();
    let { refreshToken } = await signUp(client);
    for (let round = 0; round < INSTANCES; round++) {
      const rotation = await call(client, 'POST', '/auth/refresh', { token: refreshToken });
      const replay = await call(client, 'POST', '/auth/refresh', { token: refreshToken });
      const [rotatedOn, replayedOn] = await servedBy(rotation, replay);
      expect(replayedOn).toBe(next(rotatedOn));
      expect([rotation.status, replay.status]).toEqual([200, 200]);
      expect(replay.body.refreshToken).toBe(rotation.body.refreshToken);
      for (const response of [rotation, replay]) {
        expect((await call(client, 'GET', '/users/me', { token: response.body.accessToken })).status).toBe(200);
      }
      refreshToken = rotation.body.refreshToken;
    }

    // Three refreshes of one token at once, one on each instance: all 200 with one new refresh token.
    const parallel = await Promise.all(
      Array.from({ length: INSTANCES }, () => call(client, 'POST', '/auth/refresh', { token: refreshToken })),
    );
    expect(new Set(await servedBy(...parallel)).size).toBe(INSTANCES);
    expect(parallel.map((response) => response.status)).toEqual([200, 200, 200]);
    expect(new Set(parallel.map((response) => response.body.refreshToken)).size).toBe(1);
    // The session goes on.
    const onwards = await call(client, 'POST', '/auth/refresh', { token: parallel[0].body.refreshToken });
    expect(onwards.status).toBe(200);
    expect(decodeJwt(onwards.body.refreshToken).payload.sid).toBe(decodeJwt(refreshToken).payload.sid);
  });

  it('one instance killed (SIGKILL) mid-load: no session is lost and the other two keep serving', async () => {
    // What a client sees at the kill: a GET /users/me in flight on the killed instance is passed on by nginx to the
    // next one (an idempotent request whose connection failed), so it gets its 200; a POST /auth/refresh in flight
    // there gets 502 (nginx does not send a POST twice). That client sends the same refresh token again at once,
    // within the grace window, and gets the session's current pair whether or not the lost rotation had committed.
    //
    // Which requests are in flight at that moment is left to chance for the load, but not for three more clients:
    // their sessions' rows are locked (SELECT ... FOR UPDATE in the test's own transaction) and their refreshes sent
    // while the load holds still, one after another, so that round robin gives one to each instance, where it waits
    // in PostgreSQL. The load resumes, the instance is killed, the lock released: one of the three refreshes was in
    // flight on the killed instance for certain.
    const CLIENTS = 6;
    const LOAD_MS = 4_000;
    const KILL_AT_MS = 1_500;
    /** Under RATE_LIMIT_PER_MINUTE in total (a client's refreshes in the load, its retries and the final one). */
    const REFRESH_EVERY_MS = 700;
    const victimIndex = 1;
    const victim = instances[victimIndex];

    interface Client {
      address: string;
      agent: http.Agent;
      accessToken: string;
      refreshToken: string;
    }
    interface Outcome {
      client: Client;
      op: 'me' | 'refresh' | 'refresh retry';
      id: string;
      startedAt: number;
      endedAt: number;
      status: number | string;
    }
    const newSignedInClient = async (): Promise<Client> => {
      const address = newClient();
      return { address, agent: keepAliveAgent(1), ...(await signUp(address)) };
    };
    const clients: Client[] = [];
    for (let i = 0; i < CLIENTS; i++) clients.push(await newSignedInClient());
    const held: Client[] = [];
    for (let i = 0; i < INSTANCES; i++) held.push(await newSignedInClient());

    const outcomes: Outcome[] = [];
    let inFlight = 0;
    const timed = async (client: Client, op: Outcome['op'], method: string, path: string, token: string) => {
      const outcome: Outcome = { client, op, id: `scaling-${++requests}`, startedAt: performance.now(), endedAt: 0, status: 0 };
      outcomes.push(outcome);
      inFlight++;
      try {
        const response = await httpCall(nginx.port, method, path, {
          token,
          agent: client.agent,
          localAddress: client.address,
          headers: { 'x-request-id': outcome.id },
        });
        outcome.status = response.status;
        return response;
      } catch (error) {
        outcome.status = (error as HttpCallError).code; // nginx itself never goes away: this fails the test below
        return undefined;
      } finally {
        outcome.endedAt = performance.now();
        inFlight--;
      }
    };
    const refresh = async (client: Client) => {
      let response = await timed(client, 'refresh', 'POST', '/auth/refresh', client.refreshToken);
      if (response?.status === 502) response = await timed(client, 'refresh retry', 'POST', '/auth/refresh', client.refreshToken);
      if (response?.status === 200)
        Object.assign(client, { accessToken: response.body.accessToken, refreshToken: response.body.refreshToken });
    };

    const db = new pg.Client({ connectionString: database.url });
    await db.connect();
    const locker = new pg.Client({ connectionString: database.url });
    await locker.connect();
    const waitingForLocks = async (count: number) => {
      const since = performance.now();
      for (;;) {
        const { rows } = await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`,
        );
        if (rows[0].n === count) return;
        if (performance.now() - since > 10_000) throw new Error(`${rows[0].n} requests wait for the locked sessions, not ${count}`);
        await sleep(2);
      }
    };

    const start = performance.now();
    let hold: Promise<void> | undefined;
    let killedAt = Infinity;
    let deadAt = Infinity;
    const heldRefreshes: Promise<void>[] = [];
    const killer = (async () => {
      await sleep(KILL_AT_MS);
      let resume = () => {};
      hold = new Promise((resolve) => (resume = resolve));
      while (inFlight > 0) await sleep(1);
      await locker.query('BEGIN');
      await locker.query('SELECT 1 FROM sessions WHERE id = ANY($1) FOR UPDATE', [
        held.map((client) => decodeJwt(client.refreshToken).payload.sid as string),
      ]);
      for (const [i, client] of held.entries()) {
        heldRefreshes.push(refresh(client));
        await waitingForLocks(i + 1);
      }
      hold = undefined;
      resume();
      killedAt = performance.now();
      victim.child.kill('SIGKILL');
      expect(await victim.exited).toMatchObject({ signal: 'SIGKILL' });
      deadAt = performance.now();
      await locker.query('ROLLBACK');
      await Promise.all(heldRefreshes);
    })();
    try {
      await Promise.all(
        clients.map(async (client) => {
          let refreshedAt = 0;
          while (performance.now() - start < LOAD_MS) {
            while (hold) await hold;
            if (performance.now() - refreshedAt >= REFRESH_EVERY_MS) {
              refreshedAt = performance.now();
              await refresh(client);
            } else {
              await timed(client, 'me', 'GET', '/users/me', client.accessToken);
            }
          }
        }),
      );
      await killer;
    } finally {
      await locker.end();
      await db.end();
    }

    const served = await nginx.served(outcomes.map((outcome) => outcome.id));
    const finalInstance = (outcome: Outcome) => instanceAt(served.get(outcome.id)!.upstreams.at(-1)!);
    const inFlightAtKill = (outcome: Outcome) => outcome.startedAt < deadAt && outcome.endedAt > killedAt;
    const afterDeath = outcomes.filter((outcome) => outcome.startedAt >= deadAt);
    const passedOn = outcomes.filter((outcome) => served.get(outcome.id)!.upstreams.length > 1);
    const cut = outcomes.filter((outcome) => outcome.status === 502);
    const count = (list: Outcome[], op: Outcome['op']) => list.filter((outcome) => outcome.op === op).length;
    console.log(
      `${outcomes.length} requests in ${LOAD_MS} ms, instance ${victimIndex} killed at ${(killedAt - start).toFixed(0)} ms ` +
        `(gone ${(deadAt - killedAt).toFixed(1)} ms later); in flight at the kill: ${outcomes.filter(inFlightAtKill).length}; ` +
        `passed on by nginx to another instance: ${count(passedOn, 'me')} GET, ${count(passedOn, 'refresh')} refresh; ` +
        `502 to the client: ${cut.length} (${count(cut, 'refresh')} refresh), retried: ${count(outcomes, 'refresh retry')}; ` +
        `after the kill: ${afterDeath.length} requests, ${afterDeath.filter((outcome) => outcome.status === 200).length} answered 200`,
    );

    // The held refreshes: one on each instance. The killed instance's answered 502 and its retry 200; the two others 200.
    const heldFirst = held.map((client) => outcomes.find((outcome) => outcome.client === client && outcome.op === 'refresh')!);
    const heldOn = heldFirst.map(finalInstance);
    expect(new Set(heldOn).size).toBe(INSTANCES);
    for (const [i, outcome] of heldFirst.entries()) {
      const retries = outcomes.filter((other) => other.client === held[i] && other.op === 'refresh retry');
      if (heldOn[i] === victimIndex) {
        expect(outcome.status).toBe(502);
        expect(retries.map((retry) => retry.status)).toEqual([200]);
      } else {
        expect(outcome.status).toBe(200);
        expect(retries).toEqual([]);
      }
    }

    // It was mid-load: traffic before the kill and after it.
    expect(outcomes.filter((outcome) => outcome.endedAt < killedAt).length).toBeGreaterThan(50);
    expect(afterDeath.length).toBeGreaterThan(50);
    // Every GET succeeded, those in flight at the kill included; the only failures are 502s on refreshes that were
    // in flight on the killed instance, and each of their retries succeeded.
    expect(outcomes.filter((outcome) => outcome.op === 'me' && outcome.status !== 200)).toEqual([]);
    for (const outcome of cut) {
      expect(outcome.op).toBe('refresh');
      expect(inFlightAtKill(outcome)).toBe(true);
      expect(served.get(outcome.id)!.upstreams).toEqual([`127.0.0.1:${victim.port}`]);
    }
    expect(outcomes.filter((outcome) => outcome.status !== 200 && outcome.status !== 502)).toEqual([]);
    expect(outcomes.filter((outcome) => outcome.op === 'refresh retry' && outcome.status !== 200)).toEqual([]);
    // After the kill the two others serve everything.
    expect(afterDeath.filter((outcome) => outcome.status !== 200)).toEqual([]);
    expect(afterDeath.filter((outcome) => finalInstance(outcome) === victimIndex)).toEqual([]);
    for (const survivor of [0, 2]) expect(afterDeath.filter((outcome) => finalInstance(outcome) === survivor).length).toBeGreaterThan(10);

    // No session was lost: every client refreshes and is served.
    for (const client of [...clients, ...held]) {
      const refreshed = await call(client.address, 'POST', '/auth/refresh', { token: client.refreshToken });
      expect(refreshed.status).toBe(200);
      expect((await call(client.address, 'GET', '/users/me', { token: refreshed.body.accessToken })).status).toBe(200);
      client.agent.destroy();
    }
  });
});
