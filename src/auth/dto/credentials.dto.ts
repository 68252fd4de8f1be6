import { ApiProperty } from '@nestjs/swagger';
import { PASSWORD_MAX_LENGTH } from '../../config/app-config.js';
import { EMAIL_MAX_LENGTH, EmailField, PasswordField } from './fields.js';

/** Body of sign-up and sign-in. Any other field (a `role`, say) is refused by the ValidationPipe. */
export class CredentialsDto {
  @ApiProperty({
    format: 'email',
    maxLength: EMAIL_MAX_LENGTH,
    example: 'user@example.com',
    description: 'Trimmed and lower-cased before it is checked, stored or compared.',
  })
  @EmailField()
  email!: string;

  @ApiProperty({
    maxLength: PASSWORD_MAX_LENGTH,
    example: 'correct-horse-42',
    description: 'At most 128 Unicode code points, without NUL characters; never truncated.',
  })
  @PasswordField()
  password!: string;
}
