import { ApiProperty, IntersectionType, PickType } from '@nestjs/swagger';
import { PublicUserDto } from '../../users/dto/public-user.dto.js';

/** Body of POST /auth/refresh. */
export class TokenPairDto {
  @ApiProperty({ description: 'JWT (typ at+jwt), lifetime JWT_ACCESS_TTL: send as `Authorization: Bearer`.' })
  accessToken!: string;

  @ApiProperty({
    description: 'JWT, lifetime JWT_REFRESH_TTL: the only credential POST /auth/refresh accepts. Every refresh rotates it.',
  })
  refreshToken!: string;

  @ApiProperty({ enum: ['Bearer'], example: 'Bearer' })
  tokenType!: 'Bearer';

  @ApiProperty({ type: 'integer', example: 900, description: "The access token's lifetime in seconds." })
  expiresIn!: number;
}

/** Body of sign-up (201) and sign-in (200): the user and the first tokens of a new session. */
export class AuthResponseDto extends IntersectionType(PickType(PublicUserDto, ['id', 'email', 'role'] as const), TokenPairDto) {}
