import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { mfaKeyFrom } from './mfa-key.js';

describe('mfaKeyFrom', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'mfa-key-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('uses MFA_ENCRYPTION_KEY when set, and writes no file', () => {
    const key = Buffer.alloc(32, 8);
    const file = path.join(dir, 'mfa-encryption.key');
    expect(mfaKeyFrom({ mfaEncryptionKey: key }, file)).toEqual({ key, generated: false });
    expect(() => statSync(file)).toThrow();
  });

  it('without it, generates a key once, readable by the owner only, and keeps it across restarts', () => {
    const file = path.join(dir, 'data', 'mfa-encryption.key');
    const first = mfaKeyFrom({ mfaEncryptionKey: undefined }, file);
    expect(first.generated).toBe(true);
    expect(first.key).toHaveLength(32);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64')).toEqual(first.key);
    expect(mfaKeyFrom({ mfaEncryptionKey: undefined }, file).key).toEqual(first.key);
  });

  it('refuses a kept file that does not hold a 32-byte key', () => {
    const file = path.join(dir, 'mfa-encryption.key');
    writeFileSync(file, 'short');
    expect(() => mfaKeyFrom({ mfaEncryptionKey: undefined }, file)).toThrow(/MFA_ENCRYPTION_KEY/);
  });
});
