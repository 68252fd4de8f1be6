// The service as it runs in production: built with `nest build`, started as `node dist/main.js` in a child
// process of its own. For the tests that need a real process (load and memory, SIGTERM, SIGKILL, exit codes).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../src/database/embedded-postgres.js';
import { httpCall } from './http-client.js';
import { accessKeySet, newAccessKey } from './access-keys.js';
import { childPids, isRunning, rssKiBOf } from './process-tree.js';

export const PROJECT_ROOT = path.resolve(import.meta.dirname, '../..');

/**
 * The tests' own build, beside the project's `dist/`: `nest build` with the project's tsconfig and assets,
 * into test/.cache/service/dist. Not `dist/` itself, because `nest build` empties its output directory
 * first: a `npm run bench` or `npm start` in another terminal would pull the files from under a service
 * these tests are running, and the other way round. `prisma` beside `dist` is a link to the project's
 * prisma/, so that the built migrator finds prisma/migrations where it looks for it (../../prisma).
 */
export const BUILD_DIR = path.join(PROJECT_ROOT, 'test/.cache/service');
export const BUILT_MAIN = path.join(BUILD_DIR, 'dist/main.js');
export const BUILT_MIGRATOR = path.join(BUILD_DIR, 'dist/database/migrator.js');
const STAMP = path.join(BUILD_DIR, 'build-stamp.json');
const LOCK = path.join(PROJECT_ROOT, 'test/.cache/service.lock');
const BUILD_INPUTS = ['src', 'tsconfig.json', 'nest-cli.json', 'prisma/schema.prisma', 'scripts/bundle.js'];

function newestMtime(file: string): number {
  const stat = statSync(file);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(file)) newest = Math.max(newest, newestMtime(path.join(file, entry)));
  return newest;
}

/** True when the lock's holder has died (or never wrote its pid, a minute ago). */
function lockAbandoned(): boolean {
  try {
    const holder = Number(readFileSync(path.join(LOCK, 'pid'), 'utf8') || NaN);
    return Number.isInteger(holder) ? !isRunning(holder) : Date.now() - statSync(LOCK).mtimeMs > 60_000;
  } catch {
    return false; // released meanwhile, or its pid not written yet: try again
  }
}

/** A lock between the Jest workers (and runs) of this checkout: a directory, taken over when its holder died. */
async function withBuildLock<T>(work: () => Promise<T>): Promise<T> {
  mkdirSync(path.dirname(LOCK), { recursive: true });
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(path.join(LOCK, 'pid'), String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (lockAbandoned()) rmSync(LOCK, { recursive: true, force: true });
      else await sleep(200);
    }
  }
  try {
    return await work();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

export interface BuildResult {
  built: boolean;
  /** Time spent in `nest build` (0 when the build was fresh). */
  ms: number;
}

/**
 * Builds the service unless the last build is newer than every file it is built from (src/, configs,
 * schema): once per run in CI (a clean clone), and locally only after src/ changed. Measured on a
 * two-core machine: `nest build` takes 7 s idle and up to 60 s when other jobs load the machine (the
 * type check is most of it); the freshness check takes milliseconds.
 */
export async function ensureBuilt(): Promise<BuildResult> {
  return withBuildLock(async () => {
    const startedAt = Date.now();
    const stamp =
      existsSync(STAMP) && existsSync(BUILT_MAIN) ? (JSON.parse(readFileSync(STAMP, 'utf8')) as { startedAt: number }) : undefined;
    const newestInput = Math.max(...BUILD_INPUTS.map((input) => newestMtime(path.join(PROJECT_ROOT, input))));
    if (stamp && newestInput < stamp.startedAt) return { built: false, ms: 0 };

    mkdirSync(BUILD_DIR, { recursive: true });
    rmSync(STAMP, { force: true });
    writeFileSync(
      path.join(BUILD_DIR, 'tsconfig.json'),
      JSON.stringify({ extends: '../../../tsconfig.json', compilerOptions: { outDir: './dist' } }),
    );
    const relative = path.relative(PROJECT_ROOT, BUILD_DIR);
    const nestCli = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'nest-cli.json'), 'utf8')) as {
      compilerOptions?: { assets?: { outDir?: string }[] };
    };
    for (const asset of nestCli.compilerOptions?.assets ?? []) if (asset.outDir) asset.outDir = path.join(relative, asset.outDir);
    writeFileSync(path.join(BUILD_DIR, 'nest-cli.json'), JSON.stringify(nestCli));
    rmSync(path.join(BUILD_DIR, 'prisma'), { force: true });
    symlinkSync(path.join(PROJECT_ROOT, 'prisma'), path.join(BUILD_DIR, 'prisma'));

    const t0 = performance.now();
    const nest = path.join(PROJECT_ROOT, 'node_modules/@nestjs/cli/bin/nest.js');
    await run('nest build', [nest, 'build', '-c', path.join(relative, 'nest-cli.json'), '-p', path.join(relative, 'tsconfig.json')]);
    // As `npm run build` does: production runs the bundle.
    await run('bundle', [path.join(PROJECT_ROOT, 'scripts/bundle.js'), path.join(relative, 'dist')]);
    const ms = performance.now() - t0;
    if (!existsSync(BUILT_MAIN)) throw new Error(`nest build left no ${BUILT_MAIN}`);
    writeFileSync(STAMP, JSON.stringify({ startedAt }));
    return { built: true, ms };
  });
}

/** Runs `node <args>` in the project's directory; rejects with its output when it fails. */
function run(what: string, args: string[]): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    execFile(process.execPath, args, { cwd: PROJECT_ROOT, timeout: 300_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) =>
      error ? reject(new Error(`${what} failed: ${error.message}\n${stdout}\n${stderr}`)) : resolve(),
    );
  });
}

/**
 * The runtime settings production runs with (bounded V8 heap, malloc arenas: NODE_OPTIONS, MALLOC_*), as
 * `npm run start:prod` sets them before `node dist/main.js` (the Dockerfile sets the same), read from
 * package.json so that the tests follow any change.
 */
function productionRuntimeEnv(): Record<string, string> {
  const scripts = (JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { scripts?: Record<string, string> })
    .scripts;
  const prefix = /^(.*?)\bnode\s/.exec(scripts?.['start:prod'] ?? '')?.[1] ?? '';
  const env: Record<string, string> = {};
  for (const [, name, quoted1, quoted2, bare] of prefix.matchAll(/(\w+)=(?:'([^']*)'|"([^"]*)"|(\S+))/g))
    env[name] = quoted1 ?? quoted2 ?? bare;
  return env;
}

/** Configuration every child service gets (production mode and runtime, JSON logs, fixed keys, budgets no test reaches). */
export const SERVICE_ENV: Record<string, string> = {
  ...productionRuntimeEnv(),
  NODE_ENV: 'production',
  LOG_LEVEL: 'warn',
  LOG_FORMAT: 'json',
  // Not test-app.ts's TEST_SECRETS: importing that module would load the whole application into the test.
  JWT_ACCESS_KEYS: accessKeySet(newAccessKey('reliability-access-key')),
  JWT_REFRESH_SECRET: 'reliability-refresh-secret-0123456789-abcdefghij',
  MFA_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
  RATE_LIMIT_PER_MINUTE: '1000000',
  SIGNIN_MAX_FAILURES: '1000',
  // Production needs a mail server; nothing listens on the discard port, so mails wait in the outbox.
  SMTP_URL: 'smtp://127.0.0.1:9',
};

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** performance.now() when it exited. */
  at: number;
}

export interface ServiceProcess {
  child: ChildProcess;
  pid: number;
  port: number;
  /** Everything it wrote, stdout and stderr, line by line. */
  output: string[];
  stderr: string[];
  /** Resolves when the process has exited. */
  exited: Promise<Exit>;
  exit: Exit | undefined;
  /** Resident set size now (VmRSS from /proc), in KiB. */
  rssKiB(): number;
  /** Its child processes now: with WEB_CONCURRENCY above 1, the cluster's workers. */
  workerPids(): number[];
  /** With `memoryProbe`: a full garbage collection in the service, then its process.memoryUsage() (bytes). */
  memoryAfterGc(): Promise<NodeJS.MemoryUsage>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it is gone. */
  stop(graceMs?: number): Promise<Exit>;
}

const running = new Set<ServiceProcess>();

/** The environment of a child: only what node needs from ours, so that no variable of the test run leaks in. */
function childEnvironment(env: Record<string, string>): Record<string, string> {
  const inherited: Record<string, string> = {};
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ']) if (process.env[name] !== undefined) inherited[name] = process.env[name];
  return { ...inherited, ...SERVICE_ENV, ...env };
}

/**
 * Runs `node <args>` (the built main by default) in the project directory and waits until GET /health
 * answers 200 (unless `waitHealthy` is false). Every process started here is stopped by stopAllServices().
 */
export async function startService(options: {
  databaseUrl: string;
  env?: Record<string, string>;
  args?: string[];
  /** Preloads memory-probe.js (and --expose-gc), for memoryAfterGc(). */
  memoryProbe?: boolean;
  waitHealthy?: boolean;
  readyTimeoutMs?: number;
}): Promise<ServiceProcess> {
  const port = Number(options.env?.PORT ?? (await freePort()));
  const env = childEnvironment({ DATABASE_URL: options.databaseUrl, PORT: String(port), ...options.env });
  const probe = options.memoryProbe
    ? ['--expose-gc', '--import', pathToFileURL(path.join(import.meta.dirname, 'memory-probe.js')).href]
    : [];
  const child = spawn(process.execPath, [...probe, ...(options.args ?? [BUILT_MAIN])], {
    cwd: PROJECT_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const stderr: string[] = [];
  const collect = (into: string[][]) => {
    let partial = '';
    return (chunk: Buffer) => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (line) for (const list of into) list.push(line);
    };
  };
  child.once('error', (error) => output.push(`spawn failed: ${error.message}`));
  child.stdout?.on('data', collect([output]));
  child.stderr?.on('data', collect([output, stderr]));
  const exited = new Promise<Exit>((resolve) => {
    child.once('exit', (code, signal) => {
      service.exit = { code, signal, at: performance.now() };
      running.delete(service);
      resolve(service.exit);
    });
  });
  const service: ServiceProcess = {
    child,
    pid: child.pid ?? 0,
    port,
    output,
    stderr,
    exited,
    exit: undefined,
    rssKiB: () => rssKiBOf(child.pid ?? 0),
    workerPids: () => childPids(child.pid ?? 0),
    memoryAfterGc: () => {
      const seen = stderr.length;
      child.kill('SIGUSR2');
      return new Promise((resolve, reject) => {
        const started = performance.now();
        const poll = setInterval(() => {
          const line = stderr.slice(seen).find((text) => text.startsWith('memory-probe '));
          if (line || performance.now() - started > 10_000 || service.exit) {
            clearInterval(poll);
            if (line) resolve(JSON.parse(line.slice('memory-probe '.length)) as NodeJS.MemoryUsage);
            else if (service.exit)
              reject(new Error(`the service exited (${JSON.stringify(service.exit)}):\n${output.slice(-10).join('\n')}`));
            else reject(new Error('no answer from memory-probe.js (started without memoryProbe?)'));
          }
        }, 20);
      });
    },
    stop: async (graceMs = 10_000) => {
      if (service.exit) return service.exit;
      child.kill('SIGTERM');
      child.kill('SIGCONT'); // in case a test left it stopped
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const exit = await exited;
      clearTimeout(timer);
      return exit;
    },
  };
  running.add(service);
  if (options.waitHealthy === false) return service;

  const deadline = performance.now() + (options.readyTimeoutMs ?? 90_000);
  for (;;) {
    if (service.exit) {
      throw new Error(`the service exited (${JSON.stringify(service.exit)}) before it was healthy:\n${output.slice(-20).join('\n')}`);
    }
    if (performance.now() > deadline) {
      await service.stop(1000);
      throw new Error(`the service was not healthy in time:\n${output.slice(-20).join('\n')}`);
    }
    const status = await httpCall(port, 'GET', '/health', { agent: false, timeoutMs: 2000 }).then(
      (response) => response.status,
      () => 0,
    );
    if (status === 200) return service;
    await sleep(50);
  }
}

/** For afterAll: stops every child service still running (SIGTERM, then SIGKILL after graceMs). */
export async function stopAllServices(graceMs = 5000): Promise<void> {
  await Promise.all([...running].map((service) => service.stop(graceMs)));
}

// Last resort if a test file dies without its afterAll: no orphaned service.
process.once('exit', () => {
  for (const service of running) service.child.kill('SIGKILL');
});
