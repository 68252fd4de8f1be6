import cluster, { type Worker } from 'node:cluster';
import { type Logger } from 'pino';
import { type AppConfig } from '../config/app-config.js';
import { RestartBackoff } from './restart-backoff.js';

/** A worker that has not exited this long after its own SHUTDOWN_TIMEOUT (after which it cuts its connections) is killed. */
const EXIT_GRACE_MS = 5000;

/**
 * The primary of a cluster (WEB_CONCURRENCY above 1): forks that many workers, each running the whole service
 * (bootstrap.ts), and watches them. It serves no request and loads neither NestJS nor Prisma; node:cluster hands
 * each new connection to a worker in turn (round robin, Node's default on Linux).
 *
 * - Start-up: a worker of the first generation that exits before it listens (a configuration or migration error
 *   it has already written) stops the others, and the primary exits with that worker's code, as one process would.
 * - A worker that dies later is replaced after a backoff (RestartBackoff), with one log line each time.
 * - SIGTERM or SIGINT: every worker drains as one process does (graceful-shutdown.ts), and the primary exits 0 when
 *   all have exited cleanly; 1 if one did not, or had to be killed EXIT_GRACE_MS after SHUTDOWN_TIMEOUT.
 *
 * Our own rather than throng or pm2: throng replaces a worker at once without backoff and cannot tell a start-up
 * failure from a crash; pm2 is a process manager of its own (a daemon), not a library.
 */
export function runClusterPrimary(config: AppConfig, logger: Logger): void {
  if (!config.redisUrl) {
    logger.warn(
      `REDIS_URL is unset: each of the ${config.workers} workers counts request budgets and sign-in failures in its own memory (a client may get up to ${config.workers} times each)`,
    );
  }
  new ClusterPrimary(config.workers, config.shutdownTimeout * 1000 + EXIT_GRACE_MS, logger).start();
}

class ClusterPrimary {
  private readonly live = new Set<Worker>();
  private readonly firstGeneration = new WeakSet<Worker>();
  private readonly listened = new WeakSet<Worker>();
  private readonly pendingRestarts = new Set<NodeJS.Timeout>();
  private readonly backoff = new RestartBackoff();
  private stopping = false;
  private exitCode = 0;

  constructor(
    private readonly workers: number,
    private readonly stopDeadlineMs: number,
    private readonly logger: Logger,
  ) {}

  start(): void {
    cluster.on('listening', (worker) => this.listened.add(worker));
    cluster.on('exit', (worker, code, signal) => this.exited(worker, code, signal));
    // `on`, not `once`: a second Ctrl-C must not kill the primary and orphan workers that are still draining.
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => this.stop(signal));
    this.logger.info({ workers: this.workers }, `starting ${this.workers} workers (WEB_CONCURRENCY)`);
    for (let i = 0; i < this.workers; i++) this.firstGeneration.add(this.fork());
  }

  private fork(): Worker {
    const worker = cluster.fork();
    this.live.add(worker);
    return worker;
  }

  private exited(worker: Worker, code: number, signal: string | null): void {
    this.live.delete(worker);
    const pid = worker.process.pid;
    const how = signal ? `signal ${signal}` : `exit code ${code}`;
    if (this.stopping) {
      // A worker still starting has no SIGTERM handler yet: ended by the signal, which is what was asked.
      if (code !== 0 && signal !== 'SIGTERM') this.exitCode = 1;
      if (this.live.size === 0) this.finish();
      return;
    }
    if (this.firstGeneration.has(worker) && !this.listened.has(worker)) {
      this.logger.error({ worker: pid, code, signal }, `worker ${pid} failed at start-up (${how}): stopping the cluster`);
      this.stop(undefined, code || 1);
      return;
    }
    const delayMs = this.backoff.crashed(Date.now());
    this.logger.error(
      { worker: pid, code, signal, restartInMs: delayMs },
      `worker ${pid} exited (${how}): a new worker in ${delayMs / 1000} s`,
    );
    const timer = setTimeout(() => {
      this.pendingRestarts.delete(timer);
      this.fork();
    }, delayMs);
    this.pendingRestarts.add(timer);
  }

  private stop(signal: NodeJS.Signals | undefined, exitCode = 0): void {
    if (this.stopping) return;
    this.stopping = true;
    this.exitCode = exitCode;
    for (const timer of this.pendingRestarts) clearTimeout(timer);
    if (signal) this.logger.info({ signal }, `${signal}: stopping ${this.live.size} workers`);
    // SIGTERM whatever arrived: after a Ctrl-C the workers have had SIGINT from the terminal already, and a
    // second SIGINT would end a worker at once (its handler runs once).
    for (const worker of this.live) worker.process.kill('SIGTERM');
    if (this.live.size === 0) return this.finish();
    setTimeout(() => {
      this.logger.error(
        { workers: [...this.live].map((worker) => worker.process.pid) },
        'workers still running after SHUTDOWN_TIMEOUT: killed',
      );
      for (const worker of this.live) worker.process.kill('SIGKILL');
      process.exit(1);
    }, this.stopDeadlineMs);
  }

  private finish(): void {
    if (this.exitCode === 0) this.logger.info('all workers have exited');
    process.exit(this.exitCode);
  }
}
