import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiExtension, ApiProperty, ApiPropertyOptional, ApiResponse } from '@nestjs/swagger';
import { type Role } from '../generated/prisma/enums.js';

/** The names of the two bearer schemes in the document (see openapi.ts). */
export const ACCESS_TOKEN_SCHEME = 'access-token';
export const REFRESH_TOKEN_SCHEME = 'refresh-token';

/** NestJS's exception body, which every error response uses. */
export class ErrorBodyDto {
  @ApiProperty({ type: 'integer', example: 400, description: 'The HTTP status code, repeated.' })
  statusCode!: number;

  @ApiProperty({
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    example: ['email must be an email address'],
    description: 'What went wrong: one string, or one string per problem (validation errors).',
  })
  message!: string | string[];

  @ApiPropertyOptional({ example: 'Bad Request', description: 'The status reason phrase.' })
  error?: string;
}

export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 429 | 503;

const DEFAULT_DESCRIPTIONS: Record<ErrorStatus, string> = {
  400: 'Bad request',
  401: 'No valid access token',
  403: 'The caller lacks the required role',
  404: 'Not found',
  409: 'Conflict',
  413: 'Request body over 16 KiB',
  415: 'Body is not JSON (Content-Type other than application/json)',
  429: 'Too many requests: retry after the number of seconds in Retry-After',
  503: 'The database is unavailable',
};

const RETRY_AFTER = {
  'Retry-After': { description: 'Seconds until a new attempt may succeed', schema: { type: 'integer', minimum: 0 } },
};

/**
 * Error responses with the exception body, each given as a status (with a default description) or as
 * [status, description]. A 429 documents its Retry-After header.
 */
export function ApiErrors(...responses: (ErrorStatus | [ErrorStatus, string])[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...responses.map((entry) => {
      const [status, description] = Array.isArray(entry) ? entry : [entry, DEFAULT_DESCRIPTIONS[entry]];
      return ApiResponse({ status, description, type: ErrorBodyDto, ...(status === 429 ? { headers: RETRY_AFTER } : {}) });
    }),
  );
}

/** `Authorization: Bearer <accessToken>`, and the 401 that answers a missing or refused one. */
export function ApiAccessToken(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiBearerAuth(ACCESS_TOKEN_SCHEME),
    ApiErrors([401, 'No valid access token: missing, malformed, expired, or its session revoked']),
  );
}

/**
 * The roles a route needs (next to the `@Roles` that enforces them): listed in the operation's
 * `x-required-roles` extension, with the 403 for everyone else.
 */
export function ApiRoles(...roles: Role[]): MethodDecorator & ClassDecorator {
  return applyDecorators(ApiExtension('x-required-roles', roles), ApiErrors([403, `The caller's role is not ${roles.join(' or ')}`]));
}
