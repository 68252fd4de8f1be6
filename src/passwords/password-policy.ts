import { BadRequestException, Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '../config/config.module.js';
import { PASSWORD_MAX_LENGTH, type AppConfig } from '../config/app-config.js';
import { isCommonPassword } from './common-passwords.js';
import { passwordLength } from './password-length.js';

/**
 * What a new password must meet wherever one is set (sign-up, password change, the bootstrap admin),
 * as NIST SP 800-63B and OWASP ASVS 5.0 ask: PASSWORD_MIN_LENGTH to 128 code points, any characters,
 * no composition rules, and not on the common-password list (compared case-insensitively).
 */
@Injectable()
export class PasswordPolicy {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** The reasons the password is refused; empty when it is acceptable. */
  problems(password: string, field = 'password'): string[] {
    const length = passwordLength(password);
    const min = this.config.passwordMinLength;
    if (length < min) return [`${field} must be at least ${min} characters long`];
    if (length > PASSWORD_MAX_LENGTH) return [`${field} must be at most ${PASSWORD_MAX_LENGTH} characters long`];
    if (isCommonPassword(password.normalize('NFKC').toLowerCase())) {
      return [`${field} is too common: it is on a list of frequently used passwords; choose another`];
    }
    return [];
  }

  /** Throws a 400 naming the problem. */
  check(password: string, field = 'password'): void {
    const problems = this.problems(password, field);
    if (problems.length > 0) throw new BadRequestException(problems);
  }
}
