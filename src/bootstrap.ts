import 'reflect-metadata';
import { createApp } from './app.factory.js';
import { type AppConfig } from './config/app-config.js';
import { ConfigError } from './config/config.error.js';
import { exitWithConfigError } from './config/environment.js';
import { MigrationError } from './database/migrator.js';
import { exitGracefullyOnSignals } from './graceful-shutdown.js';
import { createRootLogger } from './logging/root-logger.js';

/** The service in this process (alone, or as a worker of the cluster): the application, graceful shutdown, listen. */
async function bootstrap(config: AppConfig): Promise<void> {
  const logger = createRootLogger(config);
  if (config.jwt.generatedSecrets) {
    logger.warn('JWT_ACCESS_KEYS/JWT_REFRESH_SECRET unset: using random keys for this process; tokens die with it');
  }
  const app = await createApp(config, logger);
  exitGracefullyOnSignals(app, logger, config.shutdownTimeout);
  await app.listen({ port: config.port, host: '0.0.0.0' });
  logger.info(`listening on http://localhost:${config.port}`);
}

/** Starts the service; when start-up fails, one line on stderr and exit code 1. */
export async function startService(config: AppConfig): Promise<void> {
  await bootstrap(config).catch((error: unknown) => {
    if (error instanceof ConfigError) exitWithConfigError(error);
    const message = error instanceof MigrationError ? error.message : `start-up failed: ${(error as Error)?.message ?? error}`;
    process.stderr.write(`${message}\n`);
    process.exit(1);
  });
}
