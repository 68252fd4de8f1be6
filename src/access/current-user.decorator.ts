import { isIP } from 'node:net';
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { type FastifyRequest } from 'fastify';
import { type ClientInfo } from './access.types.js';

const USER_AGENT_MAX_LENGTH = 512;

/** request.user as the route's strategy resolved it (AuthUser, or RefreshCredentials on /auth/refresh). */
export const CurrentUser = createParamDecorator((_: unknown, context: ExecutionContext) => {
  return context.switchToHttp().getRequest<FastifyRequest & { user: unknown }>().user;
});

/**
 * The client's user agent and address. request.ip honours TRUST_PROXY, so behind trusted proxies it is
 * whatever X-Forwarded-For said: anything that is not an IP address is dropped (undefined).
 */
export const Client = createParamDecorator((_: unknown, context: ExecutionContext): ClientInfo => {
  const request = context.switchToHttp().getRequest<FastifyRequest>();
  const userAgent = request.headers['user-agent'];
  return { userAgent: userAgent?.slice(0, USER_AGENT_MAX_LENGTH), ip: isIP(request.ip) ? request.ip : undefined };
});
