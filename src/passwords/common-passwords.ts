import { createRequire } from 'node:module';
import type { dictionary } from '@zxcvbn-ts/language-common';

/**
 * The common-password list of zxcvbn-ts (`@zxcvbn-ts/language-common`, "passwords-common": about
 * 49,000 passwords ranked by frequency, derived from the xato.net 10-million-password corpus), in a Set,
 * lower-cased: the check is case-insensitive.
 *
 * Loaded on the first check, not at start-up: the package decompresses the list when it is loaded (about
 * 0.1 s and 2.6 MB of heap, the Set 1.3 MB more; bench/README.md, "Start-up and memory"). `require` rather
 * than `import()`, so that the check stays synchronous.
 */
let commonPasswords: ReadonlySet<string> | undefined;

export function isCommonPassword(lowerCased: string): boolean {
  commonPasswords ??= loadCommonPasswords();
  return commonPasswords.has(lowerCased);
}

function loadCommonPasswords(): ReadonlySet<string> {
  const language = createRequire(import.meta.url)('@zxcvbn-ts/language-common') as { dictionary: typeof dictionary };
  const list = (language.dictionary as Record<string, readonly string[]>)['passwords-common'];
  return new Set(list.map((password) => password.toLowerCase()));
}
