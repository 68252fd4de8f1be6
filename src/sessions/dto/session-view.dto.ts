import { ApiProperty } from '@nestjs/swagger';

/** A live session (one per device) as GET /auth/sessions lists it. */
export class SessionViewDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'date-time', description: 'The sign-in that opened the session.' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time', description: 'The last successful refresh (or the sign-in).' })
  lastUsedAt!: string;

  @ApiProperty({
    format: 'date-time',
    description: "When the session's current refresh token expires (never after the session's absolute end, SESSION_MAX_AGE).",
  })
  expiresAt!: string;

  @ApiProperty({ type: 'string', nullable: true, example: 'Mozilla/5.0', description: 'The User-Agent at sign-in (first 512 characters).' })
  userAgent!: string | null;

  @ApiProperty({ type: 'string', nullable: true, example: '203.0.113.7', description: 'The client address at sign-in (see TRUST_PROXY).' })
  ip!: string | null;

  @ApiProperty({ description: 'True for the session of the access token that made this request.' })
  current!: boolean;
}
