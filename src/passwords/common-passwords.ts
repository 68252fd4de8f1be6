import { dictionary } from '@zxcvbn-ts/language-common';

/**
 * The common-password list of zxcvbn-ts (`@zxcvbn-ts/language-common`, "passwords-common": about
 * 49,000 passwords ranked by frequency, derived from the xato.net 10-million-password corpus).
 * Loaded once into a Set, lower-cased: the check is case-insensitive.
 */
export function loadCommonPasswords(): ReadonlySet<string> {
  const list = (dictionary as Record<string, readonly string[]>)['passwords-common'];
  return new Set(list.map((password) => password.toLowerCase()));
}
