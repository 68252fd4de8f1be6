import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type AppConfig } from '../config/app-config.js';

/** Beside the embedded database (`.data/postgres`), for development without MFA_ENCRYPTION_KEY. */
export const DEVELOPMENT_KEY_FILE = fileURLToPath(new URL('../../.data/mfa-encryption.key', import.meta.url));

/**
 * MFA_ENCRYPTION_KEY, or (outside production, where configuration requires it) a key generated once and
 * kept in `file`: secrets enrolled yesterday must still decrypt after a restart.
 */
export function mfaKeyFrom(config: Pick<AppConfig, 'mfaEncryptionKey'>, file = DEVELOPMENT_KEY_FILE): { key: Buffer; generated: boolean } {
  if (config.mfaEncryptionKey) return { key: config.mfaEncryptionKey, generated: false };
  mkdirSync(path.dirname(file), { recursive: true });
  try {
    // 'wx': of two processes starting at once, one writes and the other reads that key.
    writeFileSync(file, randomBytes(32).toString('base64') + '\n', { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  if (key.length !== 32) throw new Error(`${file} does not hold a 32-byte base64 key: delete it or set MFA_ENCRYPTION_KEY`);
  return { key, generated: true };
}
