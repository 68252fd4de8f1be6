import { ApiProperty } from '@nestjs/swagger';
import { AUDIT_EVENT_TYPES } from '../audit-event-types.js';

/** An event of GET /auth/events. */
export class OwnEventDto {
  @ApiProperty({
    type: 'integer',
    example: 1042,
    description: 'Event id (a JSON number); pass the last one as `before` for the next page.',
  })
  id!: number;

  @ApiProperty({ enum: AUDIT_EVENT_TYPES, example: 'signin' })
  type!: string;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt!: Date;

  @ApiProperty({ type: String, nullable: true, example: '203.0.113.7', description: 'The client address of the request' })
  ip!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'The user agent of the request' })
  userAgent!: string | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The session the event concerns' })
  sessionId!: string | null;
}

/** An event of GET /admin/events: the whole record. */
export class AdminEventDto extends OwnEventDto {
  @ApiProperty({
    type: 'integer',
    nullable: true,
    description: 'The user the event concerns (kept after the user is deleted); null for an unknown email',
  })
  userId!: number | null;

  @ApiProperty({ type: 'integer', nullable: true, description: 'The admin who acted on the user' })
  actorId!: number | null;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    example: { from: 'USER', to: 'ADMIN' },
    description: 'Facts of the event; never a secret',
  })
  detail!: Record<string, unknown>;
}
