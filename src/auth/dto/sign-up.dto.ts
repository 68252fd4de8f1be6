import { ApiProperty } from '@nestjs/swagger';
import { CredentialsDto } from './credentials.dto.js';

/**
 * Body of sign-up: validated as CredentialsDto; the password policy (length, common passwords) is checked
 * by the service. A class of its own for the document, where a new password has a lower bound.
 */
export class SignUpDto extends CredentialsDto {}

// Documented outside the class: redeclaring `password` in it would redefine the inherited field.
// minLength (PASSWORD_MIN_LENGTH) is filled in when the document is built (src/docs/openapi.ts).
ApiProperty({
  description:
    'A new password: PASSWORD_MIN_LENGTH (default 8) to 128 Unicode code points, any characters, no composition rules, ' +
    'never truncated; common passwords are refused (400).',
})(SignUpDto.prototype, 'password');
