// `npm run bench`: builds the service, starts it (production mode) and the reference beside it on one
// fresh PostgreSQL database, drives both with autocannon, and writes bench/results.md.
// See bench/README.md. Progress goes to stderr; the Markdown table to stdout.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { freePort } from '../src/database/embedded-postgres.js';
import { createDatabase, serverVersion, startPostgres } from './lib/database.js';
import { loadRun, nextClientAddress } from './lib/load.js';
import { startMailSink } from './lib/mail-sink.js';
import { cpuMs, processTree, RssSampler, statusKiB } from './lib/proc.js';
import { fmt, renderReport, summarise } from './lib/report.js';
import { startServer, stopAllServers } from './lib/server-process.js';
import {
  ACCESS_TTL,
  accessKeysForRun,
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  REFRESH_SECRET,
  REFRESH_TTL,
  serviceEnvironment,
  SESSION_MAX_AGE,
  USER_PASSWORD,
} from './lib/service-env.js';
import { RefreshTokenMinter } from './lib/tokens.js';

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.dirname(BENCH_DIR);

// ---- knobs (environment) ---------------------------------------------------------------------------
const int = (name, fallback) => {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  if (!/^\d+$/.test(value)) throw new Error(`${name} must be a whole number (got "${value}")`);
  return Number(value);
};
const DURATION = int('BENCH_DURATION', 8); // seconds per measured run
const WARMUP = int('BENCH_WARMUP', 2); // seconds of warm-up before each measured run
const RUNS = int('BENCH_RUNS', 3); // measured runs per endpoint and target
const USERS = int('BENCH_USERS', 200);
const CONNECTIONS = int('BENCH_CONNECTIONS', 64);
const SIGNIN_CONNECTIONS = int('BENCH_SIGNIN_CONNECTIONS', 8);
// Processes serving requests on each side: the service's WEB_CONCURRENCY, and the reference's node:cluster by default.
const WORKERS = int('BENCH_WORKERS', 1);
const REFERENCE_WORKERS = int('BENCH_REFERENCE_WORKERS', WORKERS);
const ONLY = (process.env.BENCH_ENDPOINTS ?? '').split(',').filter(Boolean); // e.g. "me,refresh"
const SKIP_BUILD = process.env.BENCH_SKIP_BUILD === '1';
const PROFILE_DIR = process.env.BENCH_PROFILE_DIR ? path.resolve(process.env.BENCH_PROFILE_DIR) : undefined; // CPU profile of the service

// ---- fixed configuration of the run ----------------------------------------------------------------
const ACCESS_KEYS = accessKeysForRun(); // given to the service and the reference alike

const started = performance.now();
const log = (message) => process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(1).padStart(5)}s] ${message}\n`);

// ---- clean-up, also on Ctrl-C ----------------------------------------------------------------------
const cleanups = [];
let cleaning;
function cleanup() {
  cleaning ??= (async () => {
    for (const step of cleanups.reverse()) {
      try {
        await step();
      } catch (error) {
        log(`clean-up: ${error.message}`);
      }
    }
  })();
  return cleaning;
}
for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
]) {
  process.on(signal, () => {
    log(`${signal}: stopping everything`);
    cleanup().finally(() => process.exit(code));
  });
}

// ---- helpers ---------------------------------------------------------------------------------------
/**
 * The pg pool size (and database timeout) of the service, as the service itself sets them from this environment
 * (the built config loader: `config.database.poolSize`, from DATABASE_POOL_SIZE or its default), so that the
 * reference follows any change.
 */
async function servicePoolSize(env) {
  const built = path.join(ROOT, 'dist/config/app-config.js');
  let loadConfig;
  try {
    ({ loadConfig } = await import(pathToFileURL(built).href));
  } catch (error) {
    if (error?.code !== 'ERR_MODULE_NOT_FOUND') throw error;
    throw new Error(
      `cannot tell the service's pool size: ${path.relative(ROOT, built)} is missing (run without BENCH_SKIP_BUILD=1, or npm run build)`,
      { cause: error },
    );
  }
  const { database } = loadConfig(env);
  if (!Number.isInteger(database?.poolSize))
    throw new Error("cannot tell the service's pool size: update servicePoolSize() in bench/run.js");
  return {
    size: database.poolSize,
    timeoutMs: Number.isFinite(database.timeout) ? database.timeout * 1000 : undefined,
    from: `the service's config, \`config.database.poolSize\`${env.DATABASE_POOL_SIZE ? ` (DATABASE_POOL_SIZE=${env.DATABASE_POOL_SIZE})` : ' (default)'}`,
  };
}

async function tokenConstants() {
  const fallback = {
    JWT_ISSUER: 'nest-jwt-auth',
    JWT_AUDIENCE: 'nest-jwt-auth',
    ACCESS_TOKEN_TYPE: 'at+jwt',
    REFRESH_TOKEN_TYPE: 'rt+jwt',
  };
  try {
    return { ...fallback, ...(await import(pathToFileURL(path.join(ROOT, 'dist/auth/token.constants.js')).href)) };
  } catch {
    return fallback;
  }
}

async function api(base, method, route, { token, body } = {}) {
  const headers = { 'x-forwarded-for': nextClientAddress() };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${base}${route}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: response.status, headers: response.headers, body: json };
}

function expectStatus(result, status, what) {
  if (result.status !== status)
    throw new Error(`${what}: expected ${status}, got ${result.status} ${JSON.stringify(result.body).slice(0, 300)}`);
  return result.body;
}

async function inBatches(items, concurrency, task) {
  const results = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await task(items[i], i);
      }
    }),
  );
  return results;
}

function git(...args) {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

// ---- the run ---------------------------------------------------------------------------------------
async function main() {
  const loadAtStart = loadavg();
  if (!SKIP_BUILD) {
    log('building the service (npm run build: nest build, then the esbuild bundle)');
    const t = performance.now();
    // The project's own build script, so that the benchmark runs what production runs.
    const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: ['ignore', 2, 2] });
    if (build.status !== 0) throw new Error(`npm run build failed (exit ${build.status ?? build.signal})`);
    log(`built in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
  const constants = await tokenConstants();

  const postgres = await startPostgres(log);
  cleanups.push(async () => {
    log('stopping PostgreSQL');
    await postgres.stop();
  });
  const database = await createDatabase(postgres.adminUrl);
  if (!postgres.embedded) cleanups.push(() => database.drop());
  // Whatever server is still running (even one still starting) stops before its database does.
  cleanups.push(async () => {
    const running = service !== undefined && service.exit === undefined;
    if (running) log('stopping the service (SIGTERM)');
    await stopAllServers();
    if (running) log(`service exited ${JSON.stringify(service.exit)}${service.forced ? ' (forced)' : ''}`);
  });
  let service;
  log(`database ${database.name} created`);
  const pgVersion = await serverVersion(database.url);

  const mailSink = await startMailSink();
  cleanups.push(() => mailSink.stop());
  const servicePort = await freePort();
  const serviceBase = `http://127.0.0.1:${servicePort}`;
  const serviceEnv = (logLevel) =>
    serviceEnvironment({
      port: servicePort,
      databaseUrl: database.url,
      accessKeys: ACCESS_KEYS,
      smtpUrl: mailSink.url,
      logLevel,
      workers: WORKERS,
    });
  const pool = await servicePoolSize(serviceEnv('warn'));
  log(`service pool size ${pool.size} (${pool.from})`);
  const startService = (label, logLevel) =>
    startServer({
      name: `service (${label})`,
      args: [
        ...(PROFILE_DIR && label === 'benchmarked' ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : []),
        path.join(ROOT, 'dist/main.js'),
      ],
      cwd: ROOT,
      env: serviceEnv(logLevel),
      healthUrl: `${serviceBase}/health`,
    });

  // Start-up: on the empty database (migrations, the admin's argon2 hash), then on the migrated one.
  // At LOG_LEVEL=info, so that the "listening" line is written; the benchmarked instance logs at warn.
  const startup = [];
  for (const label of [
    'first start on an empty database (applies migrations, creates the admin), LOG_LEVEL=info',
    'start on the migrated database, LOG_LEVEL=info',
  ]) {
    const instance = await startService(label, 'info');
    const exit = await instance.stop();
    startup.push({ label, listeningMs: instance.listeningMs, healthMs: instance.healthMs, exit });
    log(
      `${label}: listening after ${instance.listeningMs?.toFixed(0) ?? '?'} ms, healthy after ${instance.healthMs.toFixed(0)} ms; stopped (${JSON.stringify(exit)})`,
    );
  }
  service = await startService('benchmarked', 'warn');
  startup.push({ label: 'the benchmarked instance, LOG_LEVEL=warn', listeningMs: service.listeningMs, healthMs: service.healthMs });
  const idleRssKiB = processTree(service.pid).reduce((sum, pid) => sum + statusKiB(pid, 'VmRSS'), 0);
  log(`service pid ${service.pid} healthy after ${service.healthMs.toFixed(0)} ms, RSS ${fmt.mb(idleRssKiB)} MB`);

  const referencePort = await freePort();
  const referenceBase = `http://127.0.0.1:${referencePort}`;
  const reference = await startServer({
    name: 'reference',
    args: [path.join(BENCH_DIR, 'reference/server.js')],
    cwd: ROOT,
    healthUrl: `${referenceBase}/health`,
    env: {
      ...process.env,
      PORT: String(referencePort),
      DATABASE_URL: database.url,
      POOL_SIZE: String(pool.size),
      ...(pool.timeoutMs ? { DATABASE_TIMEOUT_MS: String(pool.timeoutMs) } : {}),
      JWT_ACCESS_KEYS: ACCESS_KEYS,
      JWT_REFRESH_SECRET: REFRESH_SECRET,
      JWT_ISSUER: constants.JWT_ISSUER,
      JWT_AUDIENCE: constants.JWT_AUDIENCE,
      JWT_ACCESS_TYPE: constants.ACCESS_TOKEN_TYPE,
      JWT_REFRESH_TYPE: constants.REFRESH_TOKEN_TYPE,
      ACCESS_TTL_S: String(ACCESS_TTL),
      REFRESH_TTL_S: String(REFRESH_TTL),
      SESSION_MAX_AGE_S: String(SESSION_MAX_AGE),
      REFERENCE_WORKERS: String(REFERENCE_WORKERS),
    },
  });
  log(`reference pid ${reference.pid} on ${referenceBase}`);

  // ---- seed: users through the API ----
  log(`signing up ${USERS} users through the service`);
  const users = await inBatches(
    Array.from({ length: USERS }, (_, i) => `bench-user-${String(i + 1).padStart(4, '0')}@bench.example.com`),
    8,
    async (email) => {
      const body = expectStatus(
        await api(serviceBase, 'POST', '/auth/signup', { body: { email, password: USER_PASSWORD } }),
        201,
        `sign-up of ${email}`,
      );
      return { id: body.id, email, accessToken: body.accessToken };
    },
  );
  const admin = expectStatus(
    await api(serviceBase, 'POST', '/auth/signin', { body: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } }),
    200,
    'admin sign-in',
  );
  if (admin.role !== 'ADMIN') throw new Error(`the admin signed in with role ${admin.role}`);

  const minter = new RefreshTokenMinter({
    databaseUrl: database.url,
    refreshSecret: REFRESH_SECRET,
    issuer: constants.JWT_ISSUER,
    audience: constants.JWT_AUDIENCE,
    type: constants.REFRESH_TOKEN_TYPE,
    refreshTtl: REFRESH_TTL,
    sessionMaxAge: SESSION_MAX_AGE,
    userIds: users.map((u) => u.id),
  });
  cleanups.push(() => minter.close());

  // ---- the endpoints ----
  const accessTokens = users.map((u) => `Bearer ${u.accessToken}`);
  const signinBodies = users.map((u) => JSON.stringify({ email: u.email, password: USER_PASSWORD }));
  const adminBearer = `Bearer ${admin.accessToken}`;
  const rotating = (list) => {
    let i = 0;
    return () => list[i++ % list.length];
  };
  const endpoints = [
    {
      key: 'me',
      label: 'GET /users/me',
      connections: CONNECTIONS,
      next: () => {
        const token = rotating(accessTokens);
        return () => ({ method: 'GET', path: '/users/me', headers: { authorization: token() } });
      },
      check: (body) => body?.id === users[0].id && body.email === users[0].email,
    },
    {
      key: 'refresh',
      label: 'POST /auth/refresh',
      connections: CONNECTIONS,
      fresh: true,
      next: (tokens) => {
        let i = 0;
        return () =>
          i < tokens.length
            ? { method: 'POST', path: '/auth/refresh', headers: { authorization: `Bearer ${tokens[i++]}`, 'content-length': '0' } }
            : null;
      },
      check: (body) => typeof body?.accessToken === 'string' && typeof body.refreshToken === 'string',
    },
    {
      key: 'signin',
      label: 'POST /auth/signin',
      connections: SIGNIN_CONNECTIONS,
      next: () => {
        const body = rotating(signinBodies);
        return () => ({ method: 'POST', path: '/auth/signin', headers: { 'content-type': 'application/json' }, body: body() });
      },
      check: (body) => typeof body?.accessToken === 'string' && body.role === 'USER',
    },
    {
      key: 'users',
      label: 'GET /users?take=50 (admin)',
      connections: CONNECTIONS,
      next: () => () => ({ method: 'GET', path: '/users?take=50', headers: { authorization: adminBearer } }),
      check: (body, headers) =>
        Array.isArray(body) && body.length === Math.min(50, USERS + 1) && headers.get('x-total-count') === String(USERS + 1),
    },
  ].filter((e) => ONLY.length === 0 || ONLY.includes(e.key));
  if (endpoints.length === 0) throw new Error(`BENCH_ENDPOINTS="${ONLY.join(',')}" names none of me, refresh, signin, users`);

  const targets = { service: { base: serviceBase, handle: service }, reference: { base: referenceBase, handle: reference } };

  // ---- a correctness check of each endpoint on both, before any load ----
  for (const [name, target] of Object.entries(targets)) {
    for (const e of endpoints) {
      const next = e.next(e.fresh ? await minter.mint(1) : undefined)();
      const result = await api(target.base, next.method, next.path, {
        token: next.headers.authorization?.replace(/^Bearer /, ''),
        body: next.body === undefined ? undefined : JSON.parse(next.body),
      });
      if (result.status !== 200 || !e.check(result.body, result.headers)) {
        throw new Error(`${name} ${e.label}: unexpected answer ${result.status} ${JSON.stringify(result.body).slice(0, 300)}`);
      }
    }
  }
  log('every endpoint answers as expected on the service and the reference (refresh with a minted token included)');

  // ---- load ----
  // Fresh refresh tokens per run: sized from the rate last seen for that target, with a margin.
  const rateSeen = { service: 4000, reference: 6000 };
  const sizeFor = (rate, seconds) => Math.ceil(rate * seconds * 1.5) + 1000;
  const notes = [];
  let servicePeakKiB = 0;

  for (const e of endpoints) {
    e.runs = { service: [], reference: [] };
    for (let run = 1; run <= RUNS; run++) {
      for (const [name, target] of Object.entries(targets)) {
        const url = target.base;
        // Both sides are sampled (the same small cost in the benchmark's process); the reference's is shown per run.
        const sampler = new RssSampler(target.handle.pid).start();
        let result;
        try {
          let warmTokens;
          if (e.fresh) warmTokens = await minter.mint(sizeFor(rateSeen[name], WARMUP));
          const warm =
            WARMUP > 0 ? await loadRun({ url, connections: e.connections, duration: WARMUP, next: e.next(warmTokens) }) : undefined;
          if (warm && e.fresh) rateSeen[name] = Math.max(rateSeen[name] * 0.5, warm.rps);
          for (let attempt = 1; ; attempt++) {
            const tokens = e.fresh ? await minter.mint(sizeFor(rateSeen[name] * attempt, DURATION)) : undefined;
            const cpuBefore = cpuMs(target.handle.pid);
            result = await loadRun({ url, connections: e.connections, duration: DURATION, next: e.next(tokens) });
            result.cpuMsPerRequest = (cpuMs(target.handle.pid) - cpuBefore) / Math.max(1, result.ok);
            if (!result.exhausted) break;
            if (attempt >= 3) {
              notes.push(`${e.label} ${name} run ${run}: the fresh-token pool ran dry three times; the run is cut short.`);
              break;
            }
            log(`  ${name}: fresh tokens ran out after ${result.duration} s: again with more`);
          }
          if (e.fresh) rateSeen[name] = Math.max(rateSeen[name], result.rps);
        } finally {
          const peak = sampler.stop();
          if (result) result.peakRssKiB = peak;
          if (name === 'service') servicePeakKiB = Math.max(servicePeakKiB, peak);
          for (const pid of sampler.seen) target.handle.seenPids.add(pid);
        }
        e.runs[name].push(result);
        log(
          `${e.label} ${name} run ${run}/${RUNS}: ${fmt.rps(result.rps)} req/s, p50 ${fmt.ms(result.p50)} ms, p99 ${fmt.ms(result.p99)} ms, CPU ${fmt.ms(result.cpuMsPerRequest)} ms/req` +
            `${result.non2xx + result.errors > 0 ? `, ${result.non2xx} non-2xx ${JSON.stringify(result.statusCodes)}, ${result.errors} errors` : ''}` +
            `${result.peakRssKiB ? `, peak RSS ${fmt.mb(result.peakRssKiB)} MB` : ''}`,
        );
      }
    }
    e.summary = summarise(e);
  }

  // ---- memory high-water marks, before the processes go ----
  const tree = processTree(service.pid);
  const hwmKiB = tree.reduce((sum, pid) => sum + statusKiB(pid, 'VmHWM'), 0);
  const loadAtEnd = loadavg();

  // ---- graceful shutdown of the service, timed ----
  const stopStarted = performance.now();
  const serviceExit = await service.stop();
  const stopMs = performance.now() - stopStarted;
  log(`service stopped on SIGTERM in ${stopMs.toFixed(0)} ms: ${JSON.stringify(serviceExit)}${service.forced ? ' (forced)' : ''}`);

  // ---- report ----
  const byKey = Object.fromEntries(endpoints.map((e) => [e.key, e.summary]));
  const migratedStart = startup[1];
  const targetRows = [];
  if (byKey.me) {
    targetRows.push({
      name: '`GET /users/me` ≥ 0.6 of the reference req/s',
      measured: fmt.ratio(byKey.me.rpsRatio),
      holds: byKey.me.rpsRatio >= 0.6,
    });
    targetRows.push({
      name: '`GET /users/me` p99 < 3× the reference',
      measured: `${fmt.ratio(byKey.me.p99Ratio)}×`,
      holds: byKey.me.p99Ratio < 3,
    });
  }
  if (byKey.refresh)
    targetRows.push({
      name: '`POST /auth/refresh` ≥ 0.6 of the reference',
      measured: fmt.ratio(byKey.refresh.rpsRatio),
      holds: byKey.refresh.rpsRatio >= 0.6,
    });
  if (byKey.signin)
    targetRows.push({
      name: '`POST /auth/signin` ≥ 0.9 of the reference',
      measured: fmt.ratio(byKey.signin.rpsRatio),
      holds: byKey.signin.rpsRatio >= 0.9,
    });
  targetRows.push({
    name: 'peak RSS under load ≤ 200 MB (sum over the process tree)',
    measured: `${fmt.mb(servicePeakKiB)} MB`,
    holds: servicePeakKiB <= 200 * 1024,
  });
  targetRows.push({
    name: 'start-up against a running database < 1.5 s (spawn → first 200 on /health, migrated database)',
    measured: `${Math.round(migratedStart.healthMs)} ms`,
    holds: migratedStart.healthMs < 1500,
  });

  const warnings = [];
  const failures = endpoints.reduce((sum, e) => sum + e.summary.failures, 0);
  if (failures > 0) warnings.push(`${failures} requests failed (non-2xx or connection errors): see the status codes of every run below.`);
  if (serviceExit.code !== 0 || service.forced)
    notes.push(
      `The service did not exit cleanly on SIGTERM: ${JSON.stringify(serviceExit)}${service.forced ? ', killed after the timeout' : ''}.`,
    );
  if (WORKERS > 1)
    notes.push(
      `The service ran ${WORKERS} workers (BENCH_WORKERS): its peak RSS is their sum and the primary's, and its start-up that of the first worker to answer; the targets are set for one process.`,
    );
  if (service.warnings > 0)
    notes.push(
      `The service wrote ${service.warnings} warning/error log lines during the benchmark; the last: \`${service.lines.at(-1)?.slice(0, 300)}\``,
    );
  if (loadAtStart[0] > 0.5 * cpus().length) {
    warnings.push(
      `The machine was busy before the run started (load average ${loadAtStart.map((l) => l.toFixed(2)).join(', ')} on ${cpus().length} CPUs): ` +
        'every number here is distorted, the ratios too (a process that needs more CPU per request loses more to contention). Run again on a quiet machine.',
    );
  }

  const commit = git('rev-parse', '--short', 'HEAD');
  const dirty = git('status', '--porcelain', '--', 'src', 'prisma', 'package.json');
  const meta = [
    ['date', new Date().toISOString().replace(/\.\d+Z$/, 'Z')],
    [
      'machine',
      `${cpus().length} CPUs (nproc), ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM; load average ${loadAtStart.map((l) => l.toFixed(2)).join(' ')} at start, ${loadAtEnd.map((l) => l.toFixed(2)).join(' ')} at end`,
    ],
    [
      'software',
      `Node.js ${process.version}, PostgreSQL ${pgVersion} (${postgres.describe}), autocannon ${JSON.parse(readFileSync(path.join(ROOT, 'node_modules/autocannon/package.json'), 'utf8')).version}`,
    ],
    [
      'service',
      `commit ${commit || '?'}${dirty ? ' with uncommitted changes in src/, prisma/ or package.json' : ''}; \`node dist/main.js\`, NODE_ENV=production, LOG_LEVEL=warn, WEB_CONCURRENCY=${WORKERS} (${WORKERS > 1 ? `a primary and ${WORKERS} workers` : 'one process'}); ${tree.length} process(es) at the end`,
    ],
    [
      'reference',
      `\`bench/reference/server.js\`, REFERENCE_WORKERS=${REFERENCE_WORKERS} (${REFERENCE_WORKERS > 1 ? `a primary and ${REFERENCE_WORKERS} workers` : 'one process'}); pg pool of ${pool.size} per process, as the service's (${pool.from})`,
    ],
    [
      'load',
      `autocannon in the benchmark's process; per endpoint ${RUNS} runs of ${DURATION} s for each side, alternating service and reference, each run after a ${WARMUP} s warm-up; medians of the runs`,
    ],
    [
      'data',
      `${USERS} users signed up through the API (+ the admin); \`/users/me\` rotates over their access tokens, \`/auth/signin\` over their emails (right password); every \`/auth/refresh\` presents a never-used refresh token of its own session`,
    ],
    [
      'start-up',
      `${Math.round(migratedStart.healthMs)} ms from spawn to the first 200 on /health (migrated database), "listening" logged after ${migratedStart.listeningMs === undefined ? '?' : `${Math.round(migratedStart.listeningMs)} ms`}`,
    ],
    [
      'peak RSS',
      `${fmt.mb(servicePeakKiB)} MB sampled every 100 ms under load (sum of VmRSS over the service's process tree); VmHWM summed at the end: ${fmt.mb(hwmKiB)} MB; ${fmt.mb(idleRssKiB)} MB idle after start-up`,
    ],
    ['shutdown', `SIGTERM at the end: exit ${JSON.stringify(serviceExit.code ?? serviceExit.signal)} after ${Math.round(stopMs)} ms`],
  ];
  const markdown = renderReport({ meta, startup, endpoints, targets: targetRows, notes, warnings });
  writeFileSync(path.join(BENCH_DIR, 'results.md'), `${markdown}\n`);
  process.stdout.write(`${markdown}\n`);
  log(`written to ${path.relative(process.cwd(), path.join(BENCH_DIR, 'results.md'))}`);
}

let exitCode = 0;
try {
  await main();
} catch (error) {
  exitCode = 1;
  log(`failed: ${error.stack ?? error}`);
} finally {
  await cleanup();
  log(`done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
}
process.exit(exitCode);
