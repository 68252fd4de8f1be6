import { type INestApplication } from '@nestjs/common';
import { type Logger } from 'pino';

/**
 * On SIGTERM or SIGINT: stop accepting connections, let in-flight requests finish (Fastify answers 503 to
 * new requests on kept-alive connections meanwhile), then run the shutdown hooks (database pool, embedded
 * PostgreSQL, Redis) and exit 0. After `timeoutSeconds` the remaining connections are cut and the
 * process exits 1. NestJS's enableShutdownHooks is not used: it re-raises the signal, so the exit code
 * would be 143 instead of 0.
 */
export function exitGracefullyOnSignals(app: INestApplication, logger: Logger, timeoutSeconds: number): void {
  let closing = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    const started = Date.now();
    logger.info({ signal }, 'shutting down: draining in-flight requests');
    const deadline = setTimeout(() => {
      logger.error({ timeoutSeconds }, 'shutdown timed out: closing the remaining connections');
      app.getHttpServer().closeAllConnections?.();
      process.exit(1);
    }, timeoutSeconds * 1000);
    deadline.unref();
    app
      .close()
      .then(() => {
        logger.info({ durationMs: Date.now() - started }, 'shut down');
        process.exit(0);
      })
      .catch((error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}
