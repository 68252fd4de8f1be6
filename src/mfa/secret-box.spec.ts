import { SecretBox } from './secret-box.js';

describe('SecretBox (AES-256-GCM)', () => {
  const box = new SecretBox(Buffer.alloc(32, 3));

  it('opens what it sealed, for the same associated data; a fresh IV each time', () => {
    const sealed = box.seal('JBSWY3DPEHPK3PXP', 'totp:1');
    expect(sealed).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(sealed).not.toContain('JBSWY3DPEHPK3PXP');
    expect(box.seal('JBSWY3DPEHPK3PXP', 'totp:1')).not.toBe(sealed);
    expect(box.open(sealed, 'totp:1')).toBe('JBSWY3DPEHPK3PXP');
  });

  it('refuses another key, other associated data, an altered text and garbage', () => {
    const sealed = box.seal('JBSWY3DPEHPK3PXP', 'totp:1');
    expect(() => new SecretBox(Buffer.alloc(32, 4)).open(sealed, 'totp:1')).toThrow();
    expect(() => box.open(sealed, 'totp:2')).toThrow();
    const parts = sealed.split('.');
    const flipped = Buffer.from(parts[3], 'base64url');
    flipped[0] ^= 1;
    expect(() => box.open([...parts.slice(0, 3), flipped.toString('base64url')].join('.'), 'totp:1')).toThrow();
    for (const text of ['', 'v1', 'v2.a.b.c', `${sealed}.extra`]) expect(() => box.open(text, 'totp:1')).toThrow();
  });

  it('needs a 32-byte key', () => {
    expect(() => new SecretBox(Buffer.alloc(16))).toThrow();
  });
});
