import { HttpException, type HttpStatus } from '@nestjs/common';

/** An error answer that tells the client when to try again: the exception filter sends `Retry-After`. */
export class RetryLaterException extends HttpException {
  constructor(
    status: HttpStatus,
    body: { statusCode: number; message: string; error: string },
    readonly retryAfterSeconds: number,
  ) {
    super(body, status);
  }
}
