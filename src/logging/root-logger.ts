import { pino, type DestinationStream, type Logger } from 'pino';
import { type AppConfig } from '../config/app-config.js';

/** Never logged, wherever they appear in a logged object. */
export const REDACTED_PATHS = [
  'password',
  'currentPassword',
  'newPassword',
  'passwordHash',
  'accessToken',
  'refreshToken',
  'token',
  'tokenHash',
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  '*.password',
  '*.passwordHash',
  '*.accessToken',
  '*.refreshToken',
  '*.authorization',
];

/**
 * The process's pino logger: Fastify's own logger and, through PinoNestLogger, NestJS's. JSON lines in
 * production; pretty lines in development (LOG_FORMAT); a destination stream may be given (tests).
 */
export function createRootLogger(config: AppConfig, destination?: DestinationStream): Logger {
  const options = {
    level: config.log.level,
    base: { service: 'nest-jwt-auth' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
  if (destination) return pino(options, destination);
  if (config.log.format === 'pretty') {
    return pino({
      ...options,
      transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' } },
    });
  }
  return pino(options);
}
