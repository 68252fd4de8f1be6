// nginx as the load balancer in front of several instances of the service, started by a test as a child process
// of its own: in the foreground, with a prefix directory of its own (configuration, logs, temp files, pid), on a free
// port of 127.0.0.1, so that it needs no privilege and leaves nothing behind. The `location` holds the deployment's
// own proxy settings (deploy/nginx/api-proxy.conf); the access log records which instance served each request.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../src/database/embedded-postgres.js';
import { PROJECT_ROOT } from './service-process.js';

export const API_PROXY_CONF = path.join(PROJECT_ROOT, 'deploy/nginx/api-proxy.conf');

/** What the access log says of one request (by its X-Request-Id). */
export interface Served {
  status: number;
  /** Every instance (`127.0.0.1:port`) nginx tried, in order: more than one when it passed the request on. */
  upstreams: string[];
  /** Each attempt's status, in the same order (502 for a connection that failed). */
  upstreamStatuses: string[];
}

export interface Nginx {
  port: number;
  /** Waits for each request's access-log line (written just after the response) and returns what it says. */
  served(requestIds: string[]): Promise<Map<string, Served>>;
  /** The error log so far (for a failing test's message). */
  errorLog(): string;
  stop(): Promise<void>;
}

const q = (file: string) => JSON.stringify(file); // a double-quoted nginx string

function configuration(dir: string, port: number, upstreamPorts: number[]): string {
  // As root (CI), the workers would switch to an unprivileged user that cannot write the temp paths in this directory.
  const user = process.getuid?.() === 0 ? 'user root root;' : '';
  return `
${user}
# One worker: its round robin follows the order in which the requests arrive.
worker_processes 1;
error_log ${q(path.join(dir, 'error.log'))} warn;
events { worker_connections 512; }
http {
  log_format upstreams '$http_x_request_id|$status|$upstream_status|$upstream_addr';
  access_log ${q(path.join(dir, 'access.log'))} upstreams;
  client_body_temp_path ${q(path.join(dir, 'client_body_temp'))};
  proxy_temp_path ${q(path.join(dir, 'proxy_temp'))};
  fastcgi_temp_path ${q(path.join(dir, 'fastcgi_temp'))};
  uwsgi_temp_path ${q(path.join(dir, 'uwsgi_temp'))};
  scgi_temp_path ${q(path.join(dir, 'scgi_temp'))};

  upstream api {
    zone api 64k;
${upstreamPorts.map((upstream) => `    server 127.0.0.1:${upstream};`).join('\n')}
    keepalive 16;
  }

  server {
    listen 127.0.0.1:${port};
    location / {
      include ${q(API_PROXY_CONF)};
    }
  }
}
`;
}

function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Starts nginx balancing round robin over the instances on `upstreamPorts`; resolves once it accepts connections. */
export async function startNginx(binary: string, upstreamPorts: number[]): Promise<Nginx> {
  const dir = mkdtempSync(path.join(tmpdir(), 'nest-jwt-auth-nginx-'));
  const port = await freePort();
  const conf = path.join(dir, 'nginx.conf');
  writeFileSync(conf, configuration(dir, port, upstreamPorts));
  const errorLogFile = path.join(dir, 'error.log');
  const child = spawn(binary, ['-p', dir, '-c', conf, '-e', errorLogFile, '-g', `daemon off; pid ${path.join(dir, 'nginx.pid')};`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exit.then(() => (exited = true));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const errorLog = () => {
    try {
      return readFileSync(errorLogFile, 'utf8') + stderr;
    } catch {
      return stderr;
    }
  };
  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (!exited) {
      child.kill('SIGTERM'); // nginx's fast shutdown
      await exit;
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = performance.now() + 10_000;
  while (!(await acceptsConnections(port))) {
    if (exited || performance.now() > deadline) {
      const log = errorLog();
      await stop();
      throw new Error(`nginx did not start:\n${log}`);
    }
    await sleep(20);
  }

  const accessLog = path.join(dir, 'access.log');
  const served = async (requestIds: string[]) => {
    const wanted = new Set(requestIds);
    const found = new Map<string, Served>();
    const until = performance.now() + 5_000;
    for (;;) {
      for (const line of readFileSync(accessLog, 'utf8').split('\n')) {
        const [id, status, upstreamStatus, upstream] = line.split('|');
        if (!wanted.has(id)) continue;
        // Several attempts are listed as "a, b" (and " : " across internal redirects, which this server has none of).
        const list = (text: string) => text.split(/, | : /);
        found.set(id, { status: Number(status), upstreams: list(upstream), upstreamStatuses: list(upstreamStatus) });
      }
      if (found.size === wanted.size) return found;
      if (performance.now() > until) {
        throw new Error(`no access-log line for ${[...wanted].filter((id) => !found.has(id)).join(', ')}`);
      }
      await sleep(10);
    }
  };
  return { port, served, errorLog, stop };
}
