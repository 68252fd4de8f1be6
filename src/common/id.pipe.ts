import { BadRequestException, HttpStatus, ParseUUIDPipe, type PipeTransform } from '@nestjs/common';

const MAX_INT4 = 2_147_483_647;

/** A positive integer id (a PostgreSQL `integer`); anything else is a 400 before any query. */
export class ParseIdPipe implements PipeTransform<string, number> {
  transform(value: string): number {
    const id = /^[1-9]\d{0,9}$/.test(value) ? Number(value) : NaN;
    if (!(id <= MAX_INT4)) throw new BadRequestException('id must be a positive integer');
    return id;
  }
}

/**
 * A UUID path segment; a malformed one names nothing, so it is a 404 (not a query error). Passed on as
 * given: it only meets PostgreSQL `uuid` columns, which compare UUIDs whatever their case.
 */
export class ParseUuidOr404Pipe extends ParseUUIDPipe {
  constructor() {
    super({ errorHttpStatusCode: HttpStatus.NOT_FOUND });
  }
}
