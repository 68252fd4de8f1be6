import { Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import { type FastifyRequest } from 'fastify';
import { clientKeyOf } from './client-key.js';

/**
 * The per-client request budget (RATE_LIMIT_PER_MINUTE): @nestjs/throttler's guard, counting per client as
 * every limit here does (request.ip, which honours TRUST_PROXY; an IPv6 client as its /64).
 */
@Injectable()
export class ClientThrottlerGuard extends ThrottlerGuard {
  protected override async getTracker(request: Record<string, unknown>): Promise<string> {
    return clientKeyOf((request as unknown as FastifyRequest).ip);
  }
}
