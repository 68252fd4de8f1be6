import { HttpStatus, ValidationPipe, type ArgumentMetadata } from '@nestjs/common';

/**
 * The global ValidationPipe: unknown fields are a 400 (whitelist), DTOs are instantiated, and values
 * never echoed in errors. Single path and query values are left as the client sent them: the stock
 * pipe turns `1e3`, `0x10` and `+5` into numbers before a parameter's own pipe (ParseIdPipe) could
 * refuse them; query DTOs convert their own fields.
 */
export class StrictValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
      transform: true,
      errorHttpStatusCode: HttpStatus.BAD_REQUEST,
      validationError: { target: false, value: false },
    });
  }

  protected override transformPrimitive(value: unknown, _metadata: ArgumentMetadata): unknown {
    return value;
  }
}
