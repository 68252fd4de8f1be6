import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsEmail, IsString, MaxLength, ValidateBy, type ValidationOptions } from 'class-validator';
import { PASSWORD_MAX_LENGTH } from '../../config/app-config.js';

/** RFC 5321: a path holds at most 256 octets, so an address at most 254 characters. */
export const EMAIL_MAX_LENGTH = 254;

/** Unicode code points, not UTF-16 units: an emoji counts once. */
export function codePointLength(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/** An email, trimmed and lower-cased before it is checked, stored or compared. */
export function EmailField(): PropertyDecorator {
  return applyDecorators(
    Transform(({ value }) => (typeof value === 'string' ? value.trim().toLowerCase() : value)),
    IsString(),
    MaxLength(EMAIL_MAX_LENGTH),
    IsEmail({ allow_ip_domain: false, require_tld: true }, { message: 'email must be an email address' }),
  );
}

/**
 * A password as sent: a string of at most 128 code points without NUL characters. Checked before any
 * hashing work. The lower bound and the common-password list are the password policy's (it is configurable).
 */
export function PasswordField(): PropertyDecorator {
  return applyDecorators(IsString(), MaxCodePoints(PASSWORD_MAX_LENGTH), NoNulCharacter());
}

function MaxCodePoints(max: number, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'maxCodePoints',
      validator: {
        validate: (value) => typeof value === 'string' && codePointLength(value) <= max,
        defaultMessage: (args) => `${args?.property} must be at most ${max} characters long`,
      },
    },
    options,
  );
}

function NoNulCharacter(): PropertyDecorator {
  return ValidateBy({
    name: 'noNulCharacter',
    validator: {
      validate: (value) => typeof value === 'string' && !value.includes('\u0000'),
      defaultMessage: (args) => `${args?.property} must not contain NUL characters`,
    },
  });
}
