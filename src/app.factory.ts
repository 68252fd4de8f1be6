import helmet from '@fastify/helmet';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { LogController } from 'fastify';
import { type Logger } from 'pino';
import { AppModule } from './app.module.js';
import { AllExceptionsFilter } from './common/all-exceptions.filter.js';
import { registerJsonParser } from './common/json-body.js';
import { requestIdOf } from './common/request-id.js';
import { StrictValidationPipe } from './common/validation.pipe.js';
import { type AppConfig, type TrustProxy } from './config/app-config.js';
import { setupOpenApi } from './docs/openapi.js';
import { createRootLogger } from './logging/root-logger.js';
import { PinoNestLogger } from './logging/pino-nest-logger.js';

/** Request bodies over 16 KiB are refused with 413 before they are parsed. */
export const BODY_LIMIT_BYTES = 16 * 1024;

/**
 * TRUST_PROXY=n trusts the n nearest hops (Express's hop-count semantics). Fastify 5 now refuses a
 * bare number (it trusts nothing), so the hop count is given to it as a function of the hop index.
 * A list of addresses/CIDRs goes to Fastify as it is (proxy-addr).
 */
export function trustProxyOption(trustProxy: TrustProxy): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof trustProxy !== 'number') return trustProxy;
  return (_address, hop) => hop < trustProxy;
}

/** Headers, CORS and body parsing: what every response and request goes through. */
async function configureHttp(app: NestFastifyApplication, config: AppConfig): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  fastify.removeContentTypeParser('text/plain');
  registerJsonParser(fastify);
  fastify.addHook('onSend', async (request, reply) => {
    void reply.header('X-Request-Id', request.id);
  });
  fastify.addHook('onResponse', async (request, reply) => {
    request.log.info(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unknown',
        status: reply.statusCode,
        durationMs: Math.round(reply.elapsedTime * 10) / 10,
      },
      'request',
    );
  });
  // An API serves no documents of its own: the strictest policy fits every response.
  await app.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
  });
  if (config.corsOrigins.length > 0) {
    app.enableCors({
      origin: config.corsOrigins,
      credentials: false,
      exposedHeaders: ['X-Total-Count', 'X-Request-Id', 'Retry-After'],
    });
  }
}

/** Builds the application exactly as it runs, for main.ts and the e2e tests alike. */
export async function createApp(config: AppConfig, logger: Logger = createRootLogger(config)): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: trustProxyOption(config.trustProxy),
    // Fastify's default, kept on purpose: `__proto__` in a JSON body is a 400, not silently dropped.
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    genReqId: requestIdOf,
    requestIdHeader: false,
    loggerInstance: logger,
    // One line per request instead of Fastify's two, written in configureHttp.
    logController: new LogController({ disableRequestLogging: true }),
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    abortOnError: false,
    logger: new PinoNestLogger(logger),
    // JSON only: no urlencoded parser, so a form body is a 415 rather than a second way in.
    bodyParser: false,
  });
  await configureHttp(app, config);
  app.useGlobalPipes(new StrictValidationPipe());
  app.useGlobalFilters(new AllExceptionsFilter());
  setupOpenApi(app, config);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}
