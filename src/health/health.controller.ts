import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { Public } from '../auth/decorators/public.decorator.js';
import { PrismaService } from '../database/prisma.service.js';
import { healthBodySchema } from './health.schema.js';

const PING_TIMEOUT_MS = 2000;

/** 200 while the database answers, 503 (terminus body) while it does not. */
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly prisma: PrismaService,
  ) {}

  @ApiOperation({ summary: 'Whether the service and its database answer' })
  @ApiOkResponse({ description: 'The database answers', schema: healthBodySchema('ok') })
  @ApiServiceUnavailableResponse({ description: 'The database does not answer', schema: healthBodySchema('error') })
  @Public()
  @Get()
  // Documented above: terminus's own documentation loads @nestjs/swagger with require(), which Jest cannot.
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  check() {
    return this.health.check([
      () =>
        this.indicators
          .check('database')
          .attempt(async () => {
            await this.prisma.$queryRaw`SELECT 1`;
          })
          .withTimeout(PING_TIMEOUT_MS),
    ]);
  }
}
