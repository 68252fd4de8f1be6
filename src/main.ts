import cluster from 'node:cluster';
import { configFromEnvironmentOrExit } from './config/environment.js';
import { createRootLogger } from './logging/root-logger.js';

// The configuration first: a bad variable stops start-up with one line before any worker is forked.
const config = configFromEnvironmentOrExit();
if (config.workers > 1 && cluster.isPrimary) {
  // Imported on demand, so that the primary never loads the application (NestJS, Prisma), nor a worker the primary.
  const { runClusterPrimary } = await import('./cluster/cluster-primary.js');
  runClusterPrimary(config, createRootLogger(config));
} else {
  const { startService } = await import('./bootstrap.js');
  await startService(config);
}
