// Sustained mixed traffic against the built service (node dist/main.js, production mode) on a real
// PostgreSQL: no 5xx, no unexpected status, no session lost, memory flat.
//
// RELIABILITY_LOAD_SECONDS (default 60): the measured load; it follows a warm-up of
// RELIABILITY_LOAD_WARMUP_SECONDS (default 10) of the same traffic, after which the memory baseline is taken.
import type http from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { PASSWORD, uniqueEmail } from '../support/api.js';
import { HttpCallError, httpCall, keepAliveAgent, type HttpCallOptions } from '../support/http-client.js';
import { TestSmtpServer } from '../support/smtp-server.js';
import { ensureBuilt, startService, stopAllServices, type ServiceProcess } from '../support/service-process.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const seconds = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number of seconds`);
  return value;
};
const LOAD_SECONDS = seconds('RELIABILITY_LOAD_SECONDS', 60);
const WARMUP_SECONDS = seconds('RELIABILITY_LOAD_WARMUP_SECONDS', 10);
const CONNECTIONS = 64;
const USERS = 32;
/** Per session: sign-in, then this many rounds of (/users/me, refresh, /users/me), then sign-out every other time. */
const ROUNDS_PER_SESSION = 6;
/** VmRSS is sampled this often, for the log. */
const RSS_SAMPLE_MS = 500;

type Op = 'signin' | 'refresh' | 'me' | 'signout';

interface TrackedSession {
  accessToken: string;
  /** The session's current refresh token: the only one not used yet. */
  refreshToken: string;
  signedOut: boolean;
}

describe(`load: ${LOAD_SECONDS} s of mixed traffic at ${CONNECTIONS} connections`, () => {
  let database: TestDatabase;
  let service: ServiceProcess;
  // Sign-ups send verification mails: a real mail server takes them, as in production.
  const mailServer = new TestSmtpServer();

  beforeAll(async () => {
    const build = await ensureBuilt();
    console.log(build.built ? `nest build: ${(build.ms / 1000).toFixed(1)} s` : 'nest build: up to date, reused');
    database = await createTestDatabase();
    await mailServer.start();
    service = await startService({ databaseUrl: database.url, memoryProbe: true, env: { SMTP_URL: mailServer.url } });
  }, 360_000);

  afterAll(async () => {
    await stopAllServices();
    await mailServer.stop();
    await database?.drop();
  });

  it(
    'answers every request as expected (no 5xx), loses no session, and keeps its memory flat',
    async () => {
      const users: string[] = [];
      for (let i = 0; i < USERS; i++) {
        const email = uniqueEmail('load');
        const response = await httpCall(service.port, 'POST', '/auth/signup', { body: { email, password: PASSWORD } });
        expect(response.status).toBe(201);
        users.push(email);
      }

      const served: Record<Op, number> = { signin: 0, refresh: 0, me: 0, signout: 0 };
      let fiveHundreds = 0;
      const unexpected: { op: Op; got: string | number; body?: unknown }[] = [];
      const sessions: TrackedSession[] = [];

      // While `pause` is set, no request leaves (the memory baseline is measured with none in flight).
      let pause: Promise<void> | undefined;
      let inFlight = 0;
      /** One request and its expectation; the body when it got the expected status, else undefined. */
      const call = async (op: Op, agent: http.Agent, method: string, path: string, expected: number, options: HttpCallOptions) => {
        while (pause) await pause;
        inFlight++;
        try {
          const response = await httpCall(service.port, method, path, { ...options, agent, timeoutMs: 30_000 });
          if (response.status >= 500) fiveHundreds++;
          if (response.status === expected) {
            served[op]++;
            return response.body ?? {};
          }
          unexpected.push({ op, got: response.status, body: response.body });
        } catch (error) {
          if (!(error instanceof HttpCallError)) throw error;
          unexpected.push({ op, got: error.code });
        } finally {
          inFlight--;
        }
        return undefined;
      };

      /** Set once the warm-up is over. */
      let end = Infinity;
      const going = () => performance.now() < end && !service.exit;
      const agents: http.Agent[] = [];
      const worker = async (index: number) => {
        const agent = keepAliveAgent(1);
        agents.push(agent);
        for (let lifecycle = 0; going(); lifecycle++) {
          const email = users[(index + lifecycle) % USERS];
          const signedIn = await call('signin', agent, 'POST', '/auth/signin', 200, { body: { email, password: PASSWORD } });
          if (!signedIn) continue;
          const session: TrackedSession = { accessToken: signedIn.accessToken, refreshToken: signedIn.refreshToken, signedOut: false };
          sessions.push(session);
          for (let round = 0; round < ROUNDS_PER_SESSION && going(); round++) {
            await call('me', agent, 'GET', '/users/me', 200, { token: session.accessToken });
            const refreshed = await call('refresh', agent, 'POST', '/auth/refresh', 200, { token: session.refreshToken });
            if (!refreshed) break;
            session.accessToken = refreshed.accessToken;
            session.refreshToken = refreshed.refreshToken;
            await call('me', agent, 'GET', '/users/me', 200, { token: session.accessToken });
          }
          if (lifecycle % 2 === 0) {
            session.signedOut = true;
            await call('signout', agent, 'POST', '/auth/signout', 204, { token: session.accessToken });
          }
        }
      };

      // Memory: RSS after a full garbage collection in the service (test/support/memory-probe.js), with no
      // request in flight (a sign-in holds 19 MiB for argon2 while it runs): once after the warm-up, with the
      // load paused for it, and once after the load. VmRSS is sampled throughout too, for the log.
      const rss: { at: number; kiB: number }[] = [];
      const sampler = setInterval(() => {
        if (!service.exit) rss.push({ at: performance.now(), kiB: service.rssKiB() });
      }, RSS_SAMPLE_MS);
      const started = performance.now();
      const workers = Promise.all(Array.from({ length: CONNECTIONS }, (_, index) => worker(index)));
      let baseline: NodeJS.MemoryUsage;
      let final: NodeJS.MemoryUsage;
      let servedAtWarmEnd: number;
      let measureStarted: number;
      try {
        await sleep(WARMUP_SECONDS * 1000);
        let resume = () => {};
        pause = new Promise((resolve) => (resume = resolve));
        while (inFlight > 0) await sleep(5);
        baseline = await service.memoryAfterGc();
        servedAtWarmEnd = Object.values(served).reduce((a, b) => a + b, 0);
        measureStarted = performance.now();
        end = measureStarted + LOAD_SECONDS * 1000;
        pause = undefined;
        resume();
        await workers;
        final = await service.memoryAfterGc();
      } finally {
        end = 0;
        clearInterval(sampler);
        for (const agent of agents) agent.destroy();
      }
      const loadEnded = performance.now();

      const total = Object.values(served).reduce((a, b) => a + b, 0);
      const measured = total - servedAtWarmEnd;
      const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
      const growth = (final.rss - baseline.rss) / baseline.rss;
      console.log(
        `load: ${total} requests served in ${((loadEnded - started) / 1000).toFixed(0)} s ` +
          `(${measured} in the measured ${((loadEnded - measureStarted) / 1000).toFixed(0)} s after a ${WARMUP_SECONDS} s warm-up, ${(measured / LOAD_SECONDS).toFixed(0)}/s; ` +
          `sign-in ${served.signin}, refresh ${served.refresh}, /users/me ${served.me}, sign-out ${served.signout}); ` +
          `5xx: ${fiveHundreds}; unexpected: ${unexpected.length}; sessions opened: ${sessions.length}\n` +
          `memory after a full GC, nothing in flight: RSS ${mib(baseline.rss)} after the warm-up, ${mib(final.rss)} at the end (${(growth * 100).toFixed(1)}%); ` +
          `V8 heap used ${mib(baseline.heapUsed)} -> ${mib(final.heapUsed)}, external ${mib(baseline.external)} -> ${mib(final.external)}\n` +
          `VmRSS without a GC: min ${mib(Math.min(...rss.map((s) => s.kiB)) * 1024)}, max ${mib(Math.max(...rss.map((s) => s.kiB)) * 1024)}; ` +
          `every 5 s (MiB): ${rss
            .filter((_, i) => i % (5000 / RSS_SAMPLE_MS) === 0)
            .map((s) => (s.kiB / 1024).toFixed(0))
            .join(' ')}`,
      );

      expect({
        unexpected: unexpected.slice(0, 10),
        logged: service.output.filter((line) => /"level":[56]0|unavailable/.test(line)).slice(0, 10),
      }).toEqual({ unexpected: [], logged: [] });
      expect(fiveHundreds).toBe(0);
      expect(service.exit).toBeUndefined();
      expect(served.signin).toBeGreaterThan(CONNECTIONS);
      expect(served.signout).toBeGreaterThan(0);

      // No session lost: the current refresh token of every session still open refreshes, once; those of the
      // signed-out sessions are refused. 16 at a time.
      const open = sessions.filter((s) => !s.signedOut);
      const closed = sessions.filter((s) => s.signedOut);
      const finalAgent = keepAliveAgent(16);
      const lost: number[] = [];
      const revived: number[] = [];
      const queue = [...open.map((s) => ({ s, expected: 200 })), ...closed.map((s) => ({ s, expected: 401 }))];
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          for (let item = queue.shift(); item; item = queue.shift()) {
            const response = await httpCall(service.port, 'POST', '/auth/refresh', { agent: finalAgent, token: item.s.refreshToken });
            if (response.status !== item.expected) (item.expected === 200 ? lost : revived).push(response.status);
          }
        }),
      );
      finalAgent.destroy();
      console.log(
        `sessions: ${open.length} open, every one refreshed ${open.length - lost.length} times out of ${open.length}; ${closed.length} signed out`,
      );
      expect(lost).toEqual([]);
      expect(revived).toEqual([]);

      // Memory flat: no growth beyond 20% over the measured run (a drop is no leak, and is not asserted).
      expect(growth).toBeLessThanOrEqual(0.2);
    },
    (WARMUP_SECONDS + LOAD_SECONDS + 120) * 1000,
  );
});
