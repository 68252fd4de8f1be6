import { type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { type FastifyInstance } from 'fastify';
import { SignUpDto } from '../auth/dto/sign-up.dto.js';
import { ChangePasswordDto } from '../auth/dto/change-password.dto.js';
import { ResetPasswordDto } from '../auth/dto/email-flows.dto.js';
import { type AppConfig } from '../config/app-config.js';
import { ACCESS_TOKEN_SCHEME, REFRESH_TOKEN_SCHEME } from '../common/api-responses.js';

/** Swagger UI at /docs, the document at /docs-json. */
export const DOCS_PATH = '/docs';
export const DOCS_JSON_PATH = '/docs-json';

/**
 * Swagger UI is a page that runs scripts and styles (same-origin files, inline styles) and calls the API
 * from "Try it out": it needs more than the API's `default-src 'none'`, and only its own routes get it.
 */
export const DOCS_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const DESCRIPTION = `Token authentication and role-based authorization.

Protected operations take \`Authorization: Bearer <accessToken>\` (scheme \`${ACCESS_TOKEN_SCHEME}\`); POST /auth/refresh
takes the refresh token instead (scheme \`${REFRESH_TOKEN_SCHEME}\`). Operations that need a role list it in
\`x-required-roles\` and answer 403 to other callers. Errors use NestJS's exception body (\`ErrorBodyDto\`).
Every response carries \`X-Request-Id\` (echoed from the request, or generated).`;

/**
 * Serves Swagger UI and the document, which is built from the controllers' decorators on the first request
 * for it (SwaggerModule takes a factory and keeps what it returns), not at start-up: building it is about a
 * tenth of the start-up's work (bench/README.md, "Start-up and memory"). Call before app.init().
 */
export function setupOpenApi(app: NestFastifyApplication, config: AppConfig): void {
  const fastify = app.getHttpAdapter().getInstance();
  relaxContentSecurityPolicyForDocs(fastify);
  SwaggerModule.setup(DOCS_PATH, app, () => buildOpenApiDocument(app, config), {
    jsonDocumentUrl: DOCS_JSON_PATH,
    raw: ['json'],
    customSiteTitle: 'nest-jwt-auth API',
  });
}

function buildOpenApiDocument(app: NestFastifyApplication, config: AppConfig): OpenAPIObject {
  return documentPasswordPolicy(SwaggerModule.createDocument(app, documentConfig()), config.passwordMinLength);
}

function documentConfig(): Omit<OpenAPIObject, 'paths'> {
  return new DocumentBuilder()
    .setTitle('nest-jwt-auth')
    .setDescription(DESCRIPTION)
    .setVersion('0.1.0')
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description: 'The access token (typ at+jwt) from sign-up, sign-in or refresh.',
      },
      ACCESS_TOKEN_SCHEME,
    )
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description: 'The refresh token: accepted by POST /auth/refresh only, which rotates it.',
      },
      REFRESH_TOKEN_SCHEME,
    )
    .addTag('auth', 'Sign-up, sign-in, token refresh, sign-out, password change')
    .addTag('sessions', "The caller's devices")
    .addTag('users', 'The current user, and the administration of users (ADMIN)')
    .addTag('audit', "Security events: the caller's own, and every user's (ADMIN)")
    .addTag('health', 'Liveness and database reachability')
    .addTag('keys', 'The public keys that verify access tokens, for other services')
    .build();
}

/** A new password's lower bound is configuration (PASSWORD_MIN_LENGTH): the document states the one in force. */
function documentPasswordPolicy(document: OpenAPIObject, minLength: number): OpenAPIObject {
  const newPasswords: [string, string][] = [
    [SignUpDto.name, 'password'],
    [ChangePasswordDto.name, 'newPassword'],
    [ResetPasswordDto.name, 'newPassword'],
  ];
  for (const [schemaName, property] of newPasswords) {
    const schema = document.components?.schemas?.[schemaName];
    const field = schema && 'properties' in schema ? schema.properties?.[property] : undefined;
    if (!field || '$ref' in field) throw new Error(`OpenAPI: no ${schemaName}.${property} to document`);
    field.minLength = minLength;
  }
  return document;
}

/** The docs' routes (registered by SwaggerModule) get DOCS_CONTENT_SECURITY_POLICY; every other route keeps helmet's. */
function relaxContentSecurityPolicyForDocs(fastify: FastifyInstance): void {
  fastify.addHook('onSend', async (request, reply, payload) => {
    const route = request.routeOptions.url;
    if (route === DOCS_PATH || route?.startsWith(`${DOCS_PATH}/`)) {
      void reply.header('Content-Security-Policy', DOCS_CONTENT_SECURITY_POLICY);
    }
    return payload;
  });
}
