import { type INestApplication } from '@nestjs/common';
import { type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type Logger } from 'pino';

/**
 * On SIGTERM or SIGINT: stop accepting connections, let in-flight requests finish (Fastify answers 503 to
 * new requests on kept-alive connections meanwhile), then run the shutdown hooks (database pool, embedded
 * PostgreSQL, Redis) and exit 0. After `timeoutSeconds` the remaining connections are cut and the
 * process exits 1. NestJS's enableShutdownHooks is not used: it re-raises the signal, so the exit code
 * would be 143 instead of 0.
 *
 * The responses still to come when the signal arrives say `Connection: close`: closing the server only
 * closes the keep-alive connections that are idle at that moment, so a connection whose request was in
 * flight would otherwise stay open, idle, after its response, and hold the exit until the deadline.
 */
export function exitGracefullyOnSignals(app: INestApplication, logger: Logger, timeoutSeconds: number): void {
  let closing = false;
  const pending = new Set<ServerResponse>();
  const closeAfter = (response: ServerResponse) => {
    if (!response.headersSent) response.setHeader('Connection', 'close');
  };
  (app.getHttpServer() as Server).on('request', (_request: IncomingMessage, response: ServerResponse) => {
    if (closing) return closeAfter(response);
    pending.add(response);
    response.once('close', () => pending.delete(response));
  });
  const shutdown = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    pending.forEach(closeAfter);
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
