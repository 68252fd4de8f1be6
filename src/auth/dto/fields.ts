import { domainToASCII } from 'node:url';
import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { isFQDN, IsString, MaxLength, ValidateBy, type ValidationOptions } from 'class-validator';
import { PASSWORD_MAX_LENGTH } from '../../config/app-config.js';
import { passwordLength } from '../../passwords/password-length.js';

/** RFC 5321: a path holds at most 256 octets, so an address at most 254 characters. */
export const EMAIL_MAX_LENGTH = 254;

/** RFC 5321: a local part holds at most 64 octets. */
const LOCAL_PART_MAX_LENGTH = 64;
/** A password over this many UTF-8 bytes is refused before it is even normalised (NFKC can expand input). */
export const PASSWORD_MAX_BYTES = 512;

/**
 * An unquoted ASCII local part (RFC 5322 dot-atom): letters, digits and !#$%&'*+/=?^_`{|}~- in dot-separated
 * runs. No quotes, spaces, control characters or any of (),:;<>[]\@: such addresses are legal but serve
 * mostly to confuse other systems that parse or display them.
 */
const LOCAL_PART = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;

/**
 * The stored form of an email: trimmed, lower-cased, its domain in ASCII (punycode for an internationalised
 * domain). Undefined when it is not an address this service accepts.
 */
export function normalizeEmail(text: string): string | undefined {
  const email = text.trim().toLowerCase();
  const at = email.lastIndexOf('@');
  if (at <= 0) return undefined;
  const local = email.slice(0, at);
  const domain = domainToASCII(email.slice(at + 1));
  if (local.length > LOCAL_PART_MAX_LENGTH || !LOCAL_PART.test(local)) return undefined;
  if (!domain || !isFQDN(domain, { require_tld: true, allow_underscores: false })) return undefined;
  return `${local}@${domain}`;
}

/** An email, normalised (normalizeEmail) before it is checked, stored or compared. */
export function EmailField(): PropertyDecorator {
  return applyDecorators(
    Transform(({ value }) => (typeof value === 'string' ? (normalizeEmail(value) ?? value) : value)),
    IsString(),
    MaxLength(EMAIL_MAX_LENGTH),
    ValidateBy({
      name: 'isAcceptedEmail',
      validator: {
        validate: (value) => typeof value === 'string' && normalizeEmail(value) === value,
        defaultMessage: () => 'email must be an email address',
      },
    }),
  );
}

/**
 * A password as sent: at most 512 bytes and 128 code points after NFKC normalisation, without NUL
 * characters. Checked before any hashing work. The lower bound and the common-password list are the
 * password policy's (it is configurable).
 */
export function PasswordField(): PropertyDecorator {
  return applyDecorators(IsString(), MaxPasswordLength(PASSWORD_MAX_LENGTH), NoNulCharacter());
}

function MaxPasswordLength(max: number, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'maxPasswordLength',
      validator: {
        validate: (value) =>
          typeof value === 'string' && Buffer.byteLength(value, 'utf8') <= PASSWORD_MAX_BYTES && passwordLength(value) <= max,
        defaultMessage: (args) => `${args?.property} must be at most ${max} characters (and ${PASSWORD_MAX_BYTES} bytes) long`,
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
