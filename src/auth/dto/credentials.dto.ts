import { EmailField, PasswordField } from './fields.js';

/** Body of sign-up and sign-in. Any other field (a `role`, say) is refused by the ValidationPipe. */
export class CredentialsDto {
  @EmailField()
  email!: string;

  @PasswordField()
  password!: string;
}
