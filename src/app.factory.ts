import { HttpStatus, ValidationPipe, type LogLevel, type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module.js';
import { AllExceptionsFilter } from './common/all-exceptions.filter.js';
import { type AppConfig } from './config/app-config.js';

/** Request bodies over 16 KiB are refused with 413 before they are parsed. */
export const BODY_LIMIT_BYTES = 16 * 1024;

/** Builds the application exactly as it runs, for main.ts and the e2e tests alike. */
export async function createApp(config: AppConfig, logger?: LoggerService | LogLevel[] | false): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    // A number trusts that many hops of X-Forwarded-For (Fastify's trust-proxy semantics).
    trustProxy: config.trustProxy as boolean,
    // Fastify's default, kept on purpose: `__proto__` in a JSON body is a 400, not silently dropped.
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    abortOnError: false,
    logger: logger ?? undefined,
  });
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
      transform: true,
      errorHttpStatusCode: HttpStatus.BAD_REQUEST,
      validationError: { target: false, value: false },
    }),
  );
  app.useGlobalFilters(new AllExceptionsFilter());
  app.enableShutdownHooks();
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}
