import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { AUDIT_EVENT_TYPES, type AuditEventType } from '../audit-event-types.js';

/** Only plain decimal digits become numbers: `1e3`, `0x10`, `1.5`, `` and repeated params stay invalid. */
const toInteger = ({ value }: { value: unknown }) => (typeof value === 'string' && /^\d{1,16}$/.test(value) ? Number(value) : value);

/** `before` + `take`: the next page starts below the last id of the previous one. */
export class EventsPageQuery {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: Number.MAX_SAFE_INTEGER,
    description: 'Only events with a smaller id (the last id of the previous page).',
  })
  @IsOptional()
  @Transform(toInteger)
  @IsInt({ message: 'before must be a positive integer (an event id)' })
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  before?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100, default: 50, description: 'Events to return at most.' })
  @IsOptional()
  @Transform(toInteger)
  @IsInt({ message: 'take must be an integer from 1 to 100' })
  @Min(1)
  @Max(100)
  take: number = 50;
}

export class AdminEventsQuery extends EventsPageQuery {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: 2_147_483_647,
    description: "Only this user's events (deleted users included).",
  })
  @IsOptional()
  @Transform(toInteger)
  @IsInt({ message: 'userId must be a positive integer' })
  @Min(1)
  @Max(2_147_483_647)
  userId?: number;

  @ApiPropertyOptional({ enum: AUDIT_EVENT_TYPES, description: 'Only events of this type.' })
  @IsOptional()
  @IsIn(AUDIT_EVENT_TYPES, { message: `type must be one of ${AUDIT_EVENT_TYPES.join(', ')}` })
  type?: AuditEventType;
}
