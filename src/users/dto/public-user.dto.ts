import { ApiProperty } from '@nestjs/swagger';
import { Role } from '../../generated/prisma/enums.js';

/** The public user shape: everywhere a user is returned, and nothing more (made by `toPublicUser`). */
export class PublicUserDto {
  @ApiProperty({ type: 'integer', example: 1 })
  id!: number;

  @ApiProperty({ format: 'email', example: 'user@example.com' })
  email!: string;

  @ApiProperty({ enum: Role, enumName: 'Role' })
  role!: Role;

  @ApiProperty({ description: 'Whether the user has proved to hold the email (a verification link or a password reset)' })
  emailVerified!: boolean;

  @ApiProperty({ description: 'TOTP is required at sign-in (POST /auth/mfa/totp/enable).' })
  mfaEnabled!: boolean;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;
}
