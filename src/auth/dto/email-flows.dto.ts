import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';
import { PASSWORD_MAX_LENGTH } from '../../config/app-config.js';
import { EMAIL_MAX_LENGTH, EmailField, PasswordField } from './fields.js';

/** Tokens in links are 43 characters; anything much longer is not one of them. */
const EMAIL_TOKEN_MAX_LENGTH = 128;

function EmailTokenField(): PropertyDecorator {
  return (target, key) => {
    IsString()(target, key);
    MinLength(1)(target, key);
    MaxLength(EMAIL_TOKEN_MAX_LENGTH)(target, key);
  };
}

export class ForgotPasswordDto {
  @ApiProperty({ format: 'email', maxLength: EMAIL_MAX_LENGTH, example: 'user@example.com' })
  @EmailField()
  email!: string;
}

export class ResetPasswordDto {
  @ApiProperty({ maxLength: EMAIL_TOKEN_MAX_LENGTH, description: 'The token from the link APP_URL#reset=<token> of the reset email.' })
  @EmailTokenField()
  token!: string;

  @ApiProperty({
    // minLength: PASSWORD_MIN_LENGTH, filled in when the document is built (src/docs/openapi.ts).
    maxLength: PASSWORD_MAX_LENGTH,
    description: 'The new password: PASSWORD_MIN_LENGTH (default 8) to 128 Unicode code points; common passwords are refused (400).',
  })
  @PasswordField()
  newPassword!: string;
}

export class VerifyEmailDto {
  @ApiProperty({
    maxLength: EMAIL_TOKEN_MAX_LENGTH,
    description: 'The token from the link APP_URL#verify=<token> of the verification email.',
  })
  @EmailTokenField()
  token!: string;
}

export class AcceptedDto {
  @ApiProperty({ example: 'if an account has this email, a link to reset its password is on its way' })
  message!: string;
}
