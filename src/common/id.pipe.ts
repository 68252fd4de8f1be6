import { BadRequestException, NotFoundException, type PipeTransform } from '@nestjs/common';

const MAX_INT4 = 2_147_483_647;

/** A positive integer id (a PostgreSQL `integer`); anything else is a 400 before any query. */
export class ParseIdPipe implements PipeTransform<string, number> {
  transform(value: string): number {
    const id = /^[1-9]\d{0,9}$/.test(value) ? Number(value) : NaN;
    if (!(id <= MAX_INT4)) throw new BadRequestException('id must be a positive integer');
    return id;
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A UUID path segment; a malformed one names nothing, so it is a 404 (not a query error). */
export class ParseUuidOr404Pipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!UUID.test(value)) throw new NotFoundException('not found');
    return value.toLowerCase();
  }
}
