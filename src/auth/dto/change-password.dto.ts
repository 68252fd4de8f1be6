import { ApiProperty } from '@nestjs/swagger';
import { PASSWORD_MAX_LENGTH } from '../../config/app-config.js';
import { PasswordField } from './fields.js';

export class ChangePasswordDto {
  @ApiProperty({
    maxLength: PASSWORD_MAX_LENGTH,
    description: 'The current password; a wrong one is a 401 and counts as a failed sign-in.',
  })
  @PasswordField()
  currentPassword!: string;

  @ApiProperty({
    // minLength: PASSWORD_MIN_LENGTH, filled in when the document is built (src/docs/openapi.ts).
    maxLength: PASSWORD_MAX_LENGTH,
    description: 'The new password: PASSWORD_MIN_LENGTH (default 8) to 128 Unicode code points; common passwords are refused (400).',
  })
  @PasswordField()
  newPassword!: string;
}
