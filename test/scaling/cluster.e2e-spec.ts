// WEB_CONCURRENCY=2: the built service as a node:cluster (src/cluster/cluster-primary.ts), on a database it
// migrates itself. Which worker serves a connection is read from /proc (the process holding the socket), so the
// service exposes nothing for the test.
import type http from 'node:http';
import type net from 'node:net';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { readMigrations } from '../../src/database/migrator.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD, uniqueEmail } from '../support/api.js';
import { httpCall, keepAliveAgent, type HttpCallOptions, type HttpResponse } from '../support/http-client.js';
import { connectionHolder, isRunning, rssKiBOf } from '../support/process-tree.js';
import { ensureBuilt, startService, stopAllServices, type ServiceProcess } from '../support/service-process.js';
import { databaseUrl, query } from '../support/test-database.js';

const WORKERS = 2;

/** One keep-alive connection to the service: every request on it reaches the worker that accepted it. */
class Connection {
  private readonly agent: http.Agent = keepAliveAgent(1);
  private socket: net.Socket | undefined;

  constructor(private readonly port: number) {
    const create = this.agent.createConnection.bind(this.agent);
    this.agent.createConnection = ((...args: Parameters<typeof create>) => {
      this.socket = create(...args) as net.Socket;
      return this.socket;
    }) as typeof create;
  }

  call(method: string, path: string, options: HttpCallOptions = {}): Promise<HttpResponse> {
    return httpCall(this.port, method, path, { ...options, agent: this.agent });
  }

  /** The worker holding this connection (after a first request), among `workers`. */
  holder(workers: number[]): number | undefined {
    const localPort = this.socket?.localPort;
    return localPort === undefined ? undefined : connectionHolder(workers, this.port, localPort);
  }

  close(): void {
    this.agent.destroy();
  }
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

/**
 * A connection answered (GET /health 200) by each of `workers`: new connections until each has one. node:cluster
 * hands connections out in turn to the workers that listen, so this also waits for a worker still starting.
 */
async function connectionPerWorker(service: ServiceProcess, workers: number[], timeoutMs = 30_000): Promise<Map<number, Connection>> {
  const found = new Map<number, Connection>();
  await until(`a connection served by each of the workers ${workers.join(', ')}`, timeoutMs, async () => {
    const connection = new Connection(service.port);
    const response = await connection.call('GET', '/health');
    expect(response.status).toBe(200);
    const holder = connection.holder(workers);
    if (holder !== undefined && !found.has(holder)) found.set(holder, connection);
    else connection.close();
    return found.size === workers.length ? true : undefined;
  });
  return found;
}

describe('WEB_CONCURRENCY=2: a node:cluster of two workers', () => {
  const adminUrl = () => process.env.TEST_DATABASE_URL as string;
  const name = `njatest_${process.env.TEST_RUN_ID ?? 'local'}_cluster_${randomBytes(4).toString('hex')}`;
  const url = databaseUrl(name);
  const connections: Connection[] = [];
  let service: ServiceProcess;
  /** Every worker pid seen, for the check that none is left. */
  const seen = new Set<number>();

  beforeAll(async () => {
    await ensureBuilt();
    // Empty, not from the migrated template: the two workers migrate it and create the admin at the same moment.
    await query(adminUrl(), `CREATE DATABASE "${name}"`);
  }, 360_000);

  afterAll(async () => {
    for (const connection of connections) connection.close();
    await stopAllServices();
    await query(adminUrl(), `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  });

  it('two workers start at once on an empty database: each migration applied once, one admin; the primary is small', async () => {
    service = await startService({ databaseUrl: url, env: { WEB_CONCURRENCY: String(WORKERS), ADMIN_EMAIL, ADMIN_PASSWORD } });
    const workers = service.workerPids();
    expect(workers).toHaveLength(WORKERS);
    workers.forEach((pid) => seen.add(pid));
    for (const connection of (await connectionPerWorker(service, workers)).values()) connections.push(connection);

    const applied = await query<{ migration_name: string; finished: boolean }>(
      url,
      'SELECT migration_name, finished_at IS NOT NULL AS finished FROM _prisma_migrations ORDER BY migration_name',
    );
    const local = (await readMigrations()).map((migration) => migration.name);
    expect(applied).toEqual(local.map((migration_name) => ({ migration_name, finished: true })));
    expect(await query(url, 'SELECT email, role FROM users')).toEqual([{ email: ADMIN_EMAIL, role: 'ADMIN' }]);
    const signin = await httpCall(service.port, 'POST', '/auth/signin', { body: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } });
    expect(signin.status).toBe(200);

    // Without REDIS_URL each worker keeps its own limits: the primary says so, once.
    expect(service.output.filter((line) => line.includes('REDIS_URL is unset: each of the 2 workers'))).toHaveLength(1);

    // The primary forks and watches: neither NestJS nor Prisma in it (a worker measured 180 MB, the primary 57 MB).
    const primaryKiB = service.rssKiB();
    const workerKiB = Math.min(...workers.map(rssKiBOf));
    expect(primaryKiB).toBeLessThan(workerKiB / 2);
  }, 60_000);

  it('a sign-out through one worker is refused by the other on the next request (revocation across processes)', async () => {
    const [a, b] = connections;
    const [onA, onB] = [a.holder([...seen]), b.holder([...seen])];
    expect(onA).toBeDefined();
    expect(onB).toBeDefined();
    expect(onA).not.toBe(onB);
    for (let round = 0; round < 5; round++) {
      const signup = await a.call('POST', '/auth/signup', { body: { email: uniqueEmail('cluster'), password: PASSWORD } });
      expect(signup.status).toBe(201);
      const token: string = signup.body.accessToken;
      // Twice on B: the second answer comes from B's cache of live sessions.
      expect((await b.call('GET', '/users/me', { token })).status).toBe(200);
      expect((await b.call('GET', '/users/me', { token })).status).toBe(200);
      expect((await a.call('POST', '/auth/signout', { token })).status).toBe(204);
      expect((await b.call('GET', '/users/me', { token })).status).toBe(401);
      expect((await a.call('GET', '/users/me', { token })).status).toBe(401);
    }
    expect([a.holder([...seen]), b.holder([...seen])]).toEqual([onA, onB]);
  }, 60_000);

  it('a worker killed (SIGKILL) while the other serves: no request to the other fails, and a new worker replaces it', async () => {
    const [a, b] = connections;
    const killed = a.holder([...seen]) as number;
    const survivor = b.holder([...seen]) as number;
    const signup = await b.call('POST', '/auth/signup', { body: { email: uniqueEmail('cluster'), password: PASSWORD } });
    const token: string = signup.body.accessToken;

    // Load on the survivor's connection throughout.
    let loading = true;
    const statuses: number[] = [];
    const load = (async () => {
      while (loading) statuses.push((await b.call('GET', '/users/me', { token })).status);
    })();
    await until('some requests served', 10_000, () => (statuses.length >= 5 ? true : undefined));

    process.kill(killed, 'SIGKILL');
    await until(`worker ${killed} reaped by the primary`, 10_000, () => (service.workerPids().includes(killed) ? undefined : true));
    // Until its replacement listens, the survivor takes every new connection.
    for (let i = 0; i < 10; i++) expect((await httpCall(service.port, 'GET', '/users/me', { token })).status).toBe(200);

    const replacement = await until('a new worker', 15_000, () => service.workerPids().find((pid) => pid !== survivor && pid !== killed));
    seen.add(replacement);
    expect(service.workerPids()).toEqual([survivor, replacement].sort((x, y) => x - y));
    const perWorker = await connectionPerWorker(service, [survivor, replacement]);
    const onReplacement = perWorker.get(replacement) as Connection;
    expect((await onReplacement.call('GET', '/users/me', { token })).status).toBe(200);
    for (const connection of perWorker.values()) connections.push(connection);

    loading = false;
    await load;
    expect(statuses.length).toBeGreaterThan(5);
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
    const restartLines = service.output.filter((line) => line.includes('"msg":"worker '));
    expect(restartLines).toHaveLength(1);
    expect(restartLines[0]).toContain(`worker ${killed} exited (signal SIGKILL): a new worker in 1 s`);
  }, 60_000);

  it('SIGTERM: every worker drains and exits, then the primary exits 0', async () => {
    const workers = service.workerPids();
    expect(workers).toHaveLength(WORKERS);
    const exit = await service.stop(30_000);
    expect(exit).toMatchObject({ code: 0, signal: null });
    for (const pid of seen) expect(isRunning(pid)).toBe(false);
    expect(service.stderr).toEqual([]);
  }, 60_000);

  it('a worker failing at start-up stops the cluster: exit code 1, its error, no replacement', async () => {
    // Configuration checked by a worker at start-up: the admin to create has a password under the policy's minimum.
    const failing = await startService({
      databaseUrl: url,
      waitHealthy: false,
      env: { WEB_CONCURRENCY: String(WORKERS), ADMIN_EMAIL: uniqueEmail('admin'), ADMIN_PASSWORD: 'short' },
    });
    const exit = await Promise.race([failing.exited, sleep(45_000, undefined, { ref: false })]);
    expect(exit).toMatchObject({ code: 1, signal: null });
    const errors = failing.output.filter((line) => line.startsWith('Configuration error: ADMIN_PASSWORD: must be at least'));
    // Each worker reports it once (the second may be stopped first); a replaced worker would report it again.
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(errors.length).toBeLessThanOrEqual(WORKERS);
    const primaryLines = failing.output.filter((line) => line.includes('"msg":"worker '));
    expect(primaryLines).toHaveLength(1);
    expect(primaryLines[0]).toMatch(/worker \d+ failed at start-up \(exit code 1\): stopping the cluster/);
  }, 60_000);

  it('a bad WEB_CONCURRENCY is refused by the primary before any worker starts', async () => {
    const refused = await startService({ databaseUrl: url, waitHealthy: false, env: { WEB_CONCURRENCY: '65' } });
    expect(await refused.exited).toMatchObject({ code: 1, signal: null });
    expect(refused.output).toEqual(['Configuration error: WEB_CONCURRENCY: must be a whole number from 1 to 64 (got "65")']);
  }, 30_000);
});
