import { newRecoveryCodes, recoveryCodeHash } from './recovery-codes.js';

describe('recovery codes', () => {
  it('ten distinct codes of 16 base32 characters (80 bits), in groups of four', () => {
    const codes = newRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[a-z2-7]{4}(-[a-z2-7]{4}){3}$/);
  });

  it('hash as SHA-256 hex, ignoring case, spaces and hyphens', () => {
    const hash = recoveryCodeHash('abcd-efgh-ijkl-mnop');
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(recoveryCodeHash(' ABCD efgh-IJKL mnop ')).toBe(hash);
    expect(recoveryCodeHash('abcdefghijklmnop')).toBe(hash);
    expect(recoveryCodeHash('abcd-efgh-ijkl-mnoq')).not.toBe(hash);
  });
});
