import { existsSync } from 'node:fs';
import { ConfigError } from './config.error.js';
import { loadConfig, type AppConfig } from './app-config.js';

/**
 * The configuration from the environment, with a `.env` file in the working directory read first
 * (variables already set win). On bad configuration: one line naming the variable, exit code 1.
 */
export function configFromEnvironmentOrExit(): AppConfig {
  if (existsSync('.env')) process.loadEnvFile('.env');
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) exitWithConfigError(error);
    throw error;
  }
}

export function exitWithConfigError(error: ConfigError): never {
  process.stderr.write(`Configuration error: ${error.message}\n`);
  process.exit(1);
}
