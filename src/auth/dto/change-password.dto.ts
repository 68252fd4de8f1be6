import { PasswordField } from './fields.js';

export class ChangePasswordDto {
  @PasswordField()
  currentPassword!: string;

  @PasswordField()
  newPassword!: string;
}
