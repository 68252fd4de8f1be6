// A server under test as a child process: start-up timing, its output, and a stop that leaves nothing behind.
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { commandLine, isAlive, processTree } from './proc.js';

const LOG_LINES_KEPT = 200;

/** Every server started and not yet exited, so that a clean-up can stop even one still starting. */
export const liveServers = new Set();

/** Stops every server still running, newest first. */
export async function stopAllServers() {
  for (const handle of [...liveServers].reverse()) await handle.stop();
}

/** Status of GET url, or 0 when nothing answers. */
export function httpStatus(url, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const req = request(url, { method: 'GET', agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
    req.end();
  });
}

/**
 * Spawns `node <args>` and waits until GET healthUrl answers 200.
 * Returns the handle with `healthMs` (spawn to first 200) and `listeningMs` (spawn to the first output
 * line matching `listeningPattern`, when one was seen before the first 200).
 */
export async function startServer({ name, args, cwd, env, healthUrl, listeningPattern = /listening/i, timeoutMs = 60_000 }) {
  const lines = [];
  const t0 = performance.now();
  const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const handle = {
    name,
    child,
    pid: child.pid,
    lines,
    listeningMs: undefined,
    healthMs: undefined,
    exit: undefined,
    seenPids: new Set([child.pid]),
    warnings: 0,
  };
  liveServers.add(handle);
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      handle.exit = { code, signal };
      liveServers.delete(handle);
      resolve(handle.exit);
    });
  });
  handle.exited = exited;
  child.once('error', (error) => lines.push(`spawn error: ${error.message}`));
  const onOutput = (chunk) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line) continue;
      if (handle.listeningMs === undefined && listeningPattern.test(line)) handle.listeningMs = performance.now() - t0;
      if (/"level":(40|50|60)\b|\b(WARN|ERROR|FATAL)\b/.test(line)) handle.warnings++;
      lines.push(line);
      if (lines.length > LOG_LINES_KEPT) lines.shift();
    }
  };
  child.stdout.on('data', onOutput);
  child.stderr.on('data', onOutput);

  handle.stop = (timeout = 20_000) => stopServer(handle, timeout);
  handle.remember = () => {
    if (handle.exit === undefined) for (const pid of processTree(child.pid)) handle.seenPids.add(pid);
  };

  while (true) {
    if (handle.exit !== undefined) {
      throw new Error(
        `${name} exited (${JSON.stringify(handle.exit)}) before it was healthy; its last output:\n${lines.slice(-30).join('\n')}`,
      );
    }
    if (performance.now() - t0 > timeoutMs) {
      await handle.stop();
      throw new Error(`${name} was not healthy within ${timeoutMs} ms; its last output:\n${lines.slice(-30).join('\n')}`);
    }
    if ((await httpStatus(healthUrl, 500)) === 200) break;
    await sleep(10);
  }
  handle.healthMs = performance.now() - t0;
  handle.remember();
  return handle;
}

/**
 * SIGTERM, then SIGKILL after `timeout`; then SIGKILL any process of its tree still running (workers
 * orphaned by a crash), recognised by its command line so that a reused pid is never touched.
 */
async function stopServer(handle, timeout) {
  handle.remember();
  const { child } = handle;
  if (handle.exit === undefined) {
    child.kill('SIGTERM');
    const killed = await Promise.race([handle.exited.then(() => false), sleep(timeout).then(() => true)]);
    if (killed) {
      child.kill('SIGKILL');
      await handle.exited;
      handle.forced = true;
    }
  }
  const ownCommand = child.spawnargs.slice(1).join(' ');
  for (const pid of handle.seenPids) {
    if (pid !== child.pid && isAlive(pid) && commandLine(pid).includes(ownCommand)) {
      try {
        process.kill(pid, 'SIGKILL');
        handle.forced = true;
      } catch {
        // gone meanwhile
      }
    }
  }
  return handle.exit;
}
