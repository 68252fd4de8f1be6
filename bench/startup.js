// `node bench/startup.js`: start-up time and memory of the built service (dist/), quicker than a full benchmark.
//
//   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres node bench/startup.js [starts] [--load] [--main <file>]
//
// Creates a database on DATABASE_URL's server, starts the service once to migrate it and create the admin,
// then `starts` times (default 7) on the migrated database, each from spawn to the first 200 on /health
// with the benchmark's production environment (LOG_LEVEL=info), and prints each and the median. Then the
// RSS idle one second after start-up, and with --load, the peak RSS under 10 s of `GET /users/me`
// (64 connections), of `GET /users?take=50` (64) and of `POST /auth/signin` (8) with 50 users. Drops the database at the end.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../src/database/embedded-postgres.js';
import { createDatabase } from './lib/database.js';
import { loadRun, nextClientAddress } from './lib/load.js';
import { startMailSink } from './lib/mail-sink.js';
import { processTree, RssSampler, statusKiB } from './lib/proc.js';
import { median } from './lib/report.js';
import { startServer, stopAllServers } from './lib/server-process.js';
import { accessKeysForRun, ADMIN_EMAIL, ADMIN_PASSWORD, serviceEnvironment, USER_PASSWORD } from './lib/service-env.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const STARTS = Number(process.argv.find((arg) => /^\d+$/.test(arg)) ?? 7);
const LOAD = process.argv.includes('--load');
// --main <file>: another build of the service (to compare two), default dist/main.js.
const mainArg = process.argv.indexOf('--main');
const MAIN = path.resolve(ROOT, mainArg > 0 ? process.argv[mainArg + 1] : 'dist/main.js');
const adminUrl = process.env.DATABASE_URL;
if (!adminUrl) throw new Error('DATABASE_URL: a server where this script may CREATE DATABASE');

const rss = (pid) => processTree(pid).reduce((sum, p) => sum + statusKiB(p, 'VmRSS'), 0) / 1024;

const database = await createDatabase(adminUrl);
const mailSink = await startMailSink();
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const env = serviceEnvironment({
  port,
  databaseUrl: database.url,
  accessKeys: accessKeysForRun(),
  smtpUrl: mailSink.url,
  logLevel: 'info',
});
const start = (label) => startServer({ name: label, args: [MAIN], cwd: ROOT, env, healthUrl: `${base}/health` });

try {
  const first = await start('first start (migrates)');
  console.log(`first start on the empty database: ${first.healthMs.toFixed(0)} ms`);
  await first.stop();
  const times = [];
  for (let i = 0; i < STARTS; i++) {
    const instance = await start(`start ${i + 1}`);
    times.push(instance.healthMs);
    console.log(`start ${i + 1}: listening ${instance.listeningMs?.toFixed(0)} ms, first 200 ${instance.healthMs.toFixed(0)} ms`);
    if (i < STARTS - 1) await instance.stop();
    else await measureMemory(instance);
  }
  console.log(
    `median of ${STARTS}: ${median(times).toFixed(0)} ms (min ${Math.min(...times).toFixed(0)}, max ${Math.max(...times).toFixed(0)})`,
  );
} finally {
  await stopAllServers();
  await mailSink.stop();
  await database.drop();
}

async function measureMemory(instance) {
  await sleep(1000);
  console.log(`idle RSS 1 s after start-up: ${rss(instance.pid).toFixed(1)} MB`);
  if (!LOAD) return;
  const users = [];
  for (let i = 0; i < 50; i++) {
    const email = `startup-user-${i}@bench.example.com`;
    const body = await post('/auth/signup', { email, password: USER_PASSWORD });
    users.push({ email, bearer: `Bearer ${body.accessToken}` });
  }
  console.log(`RSS after 50 sign-ups: ${rss(instance.pid).toFixed(1)} MB`);
  const admin = `Bearer ${(await post('/auth/signin', { email: ADMIN_EMAIL, password: ADMIN_PASSWORD })).accessToken}`;
  let n = 0;
  for (const [label, connections, next] of [
    ['GET /users/me', 64, () => ({ method: 'GET', path: '/users/me', headers: { authorization: users[n++ % users.length].bearer } })],
    ['GET /users?take=50 (admin)', 64, () => ({ method: 'GET', path: '/users?take=50', headers: { authorization: admin } })],
    [
      'POST /auth/signin',
      8,
      () => ({
        method: 'POST',
        path: '/auth/signin',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: users[n++ % users.length].email, password: USER_PASSWORD }),
      }),
    ],
  ]) {
    const sampler = new RssSampler(instance.pid).start();
    const result = await loadRun({ url: base, connections, duration: 10, next });
    const peak = sampler.stop() / 1024;
    console.log(`${label}: ${result.rps.toFixed(0)} req/s, non-2xx ${result.non2xx}, peak RSS ${peak.toFixed(1)} MB`);
  }
  console.log(`VmHWM at the end: ${(statusKiB(instance.pid, 'VmHWM') / 1024).toFixed(1)} MB`);
}

async function post(route, body) {
  const response = await fetch(`${base}${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': nextClientAddress() },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${route}: ${response.status} ${await response.text()}`);
  return response.json();
}
