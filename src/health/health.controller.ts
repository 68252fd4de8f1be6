import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  type HealthCheckResult,
  type HealthIndicatorResult,
} from '@nestjs/terminus';
import { Public } from '../access/public.decorator.js';
import { PrismaService } from '../database/prisma.service.js';
import { RedisConnection } from '../limits/redis.provider.js';
import { healthBodySchema } from './health.schema.js';

const PING_TIMEOUT_MS = 2000;

/**
 * 200 while the database answers, 503 (terminus body) while it does not. A failing component is named,
 * never its error text (which can hold addresses and driver detail). With REDIS_URL set, Redis is
 * reported beside it; Redis down alone keeps 200, since the limits then fall back to memory.
 */
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly prisma: PrismaService,
    private readonly redis: RedisConnection,
  ) {}

  @ApiOperation({ summary: 'Whether the service and its database answer (and Redis, with REDIS_URL set)' })
  @ApiOkResponse({ description: 'The database answers', schema: healthBodySchema('ok') })
  @ApiServiceUnavailableResponse({ description: 'The database does not answer', schema: healthBodySchema('error') })
  @Public()
  @Get()
  // Documented above: terminus's own documentation loads @nestjs/swagger with require(), which Jest cannot.
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  async check(): Promise<HealthCheckResult> {
    const redis = this.redisStatus();
    try {
      return withRedis(await this.health.check([() => this.database()]), redis);
    } catch (error) {
      if (error instanceof ServiceUnavailableException) {
        throw new ServiceUnavailableException(withRedis(error.getResponse() as HealthCheckResult, redis));
      }
      throw error;
    }
  }

  private async database(): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check('database');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), PING_TIMEOUT_MS)));
    try {
      await Promise.race([this.prisma.$queryRaw`SELECT 1`, timeout]);
      return indicator.up();
    } catch {
      return indicator.down();
    } finally {
      clearTimeout(timer);
    }
  }

  private redisStatus(): HealthIndicatorResult | undefined {
    if (!this.redis.client) return undefined;
    return this.redis.ready ? { redis: { status: 'up' } } : { redis: { status: 'down', limits: 'per-instance memory' } };
  }
}

/** Redis in `details` (and `info` when up) without changing the overall status: it is not required. */
function withRedis(result: HealthCheckResult, redis: HealthIndicatorResult | undefined): HealthCheckResult {
  if (!redis) return result;
  const up = redis.redis.status === 'up';
  return { ...result, info: up ? { ...result.info, ...redis } : result.info, details: { ...result.details, ...redis } };
}
