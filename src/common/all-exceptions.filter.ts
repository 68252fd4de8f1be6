import { Catch, HttpException, HttpStatus, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { type FastifyReply } from 'fastify';
import { toHttpException } from './error-mapping.js';
import { RetryLaterException } from './retry-later.exception.js';

/**
 * Every error leaves as NestJS's exception body. Known database errors become their 4xx/503; anything
 * else is a bare 500 whose detail goes to the log only (no stack trace or SQL to the client).
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Exceptions');

  catch(error: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const exception = toHttpException(error);
    const status = exception.getStatus();
    if (status >= 500 && status !== HttpStatus.SERVICE_UNAVAILABLE) {
      this.logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    } else if (status === HttpStatus.SERVICE_UNAVAILABLE && !(exception instanceof RetryLaterException)) {
      this.logger.warn(`database unavailable: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (exception instanceof RetryLaterException) void reply.header('Retry-After', String(exception.retryAfterSeconds));
    void reply.status(status).send(bodyOf(exception));
  }
}

function bodyOf(exception: HttpException): object {
  const response = exception.getResponse();
  if (typeof response === 'string') return { statusCode: exception.getStatus(), message: response };
  return response;
}
