import { otpauthUrl, totpStepOf } from './totp.js';

// RFC 6238, appendix B: the SHA-1 seed "12345678901234567890" (base32 below); 8-digit codes cut to 6.
const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const VECTORS: [number, string][] = [
  [59, '287082'],
  [1111111109, '081804'],
  [1234567890, '005924'],
  [2000000000, '279037'],
];

describe('totpStepOf', () => {
  it.each(VECTORS)('accepts the RFC 6238 code at T=%i and answers its step', (seconds, code) => {
    expect(totpStepOf(RFC_SECRET, code, seconds * 1000)).toBe(Math.floor(seconds / 30));
  });

  it('accepts one step of skew either way, not two', () => {
    const [seconds, code] = VECTORS[1];
    const step = Math.floor(seconds / 30);
    expect(totpStepOf(RFC_SECRET, code, (seconds + 30) * 1000)).toBe(step);
    expect(totpStepOf(RFC_SECRET, code, (seconds - 30) * 1000)).toBe(step);
    expect(totpStepOf(RFC_SECRET, code, (seconds + 60) * 1000)).toBeNull();
    expect(totpStepOf(RFC_SECRET, code, (seconds - 60) * 1000)).toBeNull();
  });

  it('refuses a wrong or malformed code', () => {
    expect(totpStepOf(RFC_SECRET, '287083', 59_000)).toBeNull();
    for (const code of ['28708', '2870822', 'abcdef', ' 287082', '']) expect(totpStepOf(RFC_SECRET, code, 59_000)).toBeNull();
  });
});

describe('otpauthUrl', () => {
  it('names the issuer and the account, with the secret', () => {
    const url = new URL(otpauthUrl('a@example.com', RFC_SECRET));
    expect(url.protocol).toBe('otpauth:');
    expect(decodeURIComponent(url.pathname)).toBe('/nest-jwt-auth:a@example.com');
    expect(url.searchParams.get('secret')).toBe(RFC_SECRET);
    expect(url.searchParams.get('issuer')).toBe('nest-jwt-auth');
  });
});
