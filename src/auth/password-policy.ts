import { BadRequestException, Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '../config/config.module.js';
import { PASSWORD_MAX_LENGTH, type AppConfig } from '../config/app-config.js';
import { codePointLength } from './dto/fields.js';

/** The rules a new password must meet (sign-up, bootstrap admin). Lengths count code points. */
@Injectable()
export class PasswordPolicy {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** The reasons the password is refused; empty when it is acceptable. */
  problems(password: string, field = 'password'): string[] {
    const length = codePointLength(password);
    const min = this.config.passwordMinLength;
    if (length < min) return [`${field} must be at least ${min} characters long`];
    if (length > PASSWORD_MAX_LENGTH) return [`${field} must be at most ${PASSWORD_MAX_LENGTH} characters long`];
    return [];
  }

  /** Throws a 400 naming the problem. */
  check(password: string, field = 'password'): void {
    const problems = this.problems(password, field);
    if (problems.length > 0) throw new BadRequestException(problems);
  }
}
