import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { loadConfig } from '../config/app-config.js';
import { kidOf, tokenKeysFrom } from './token-keys.js';

const jwk = (kid: string) => ({ ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }), kid });
const FIRST = jwk('first');
const SECOND = jwk('second');

describe('tokenKeysFrom', () => {
  const keys = tokenKeysFrom(loadConfig({ JWT_ACCESS_KEYS: JSON.stringify({ keys: [FIRST, SECOND] }) }));

  it('publishes every key, in order, with public members only plus kid, alg and use', () => {
    expect(keys.access.jwks).toEqual({
      keys: [
        { kty: 'EC', crv: 'P-256', x: FIRST.x, y: FIRST.y, kid: 'first', alg: 'ES256', use: 'sig' },
        { kty: 'EC', crv: 'P-256', x: SECOND.x, y: SECOND.y, kid: 'second', alg: 'ES256', use: 'sig' },
      ],
    });
    expect(JSON.stringify(keys.access.jwks)).not.toMatch(/"d"|"k"/);
    expect(Object.isFrozen(keys.access.jwks.keys)).toBe(true);
  });

  it('signs with the first key; each published key is the public half of its private key', () => {
    expect(keys.access.signing.kid).toBe('first');
    const data = Buffer.from('data');
    const signature = sign('sha256', data, keys.access.signing.privateKey);
    expect(verify('sha256', data, keys.access.publicKeys.get('first')!, signature)).toBe(true);
    expect(verify('sha256', data, keys.access.publicKeys.get('second')!, signature)).toBe(false);
    expect([...keys.access.publicKeys.keys()]).toEqual(['first', 'second']);
    for (const key of keys.access.publicKeys.values()) expect(key.type).toBe('public');
  });
});

describe('kidOf', () => {
  const token = (header: unknown) => `${Buffer.from(JSON.stringify(header)).toString('base64url')}.e30.sig`;

  it('reads the kid of the header', () => {
    expect(kidOf(token({ alg: 'ES256', kid: 'first' }))).toBe('first');
  });

  it.each([
    ['no kid', token({ alg: 'ES256' })],
    ['a numeric kid', token({ kid: 1 })],
    ['a kid object', token({ kid: { $ne: null } })],
    ['a header that is null', token(null)],
    ['a header that is not JSON', 'bm90IGpzb24.e30.sig'],
    ['no dot', 'abc'],
    ['an empty string', ''],
  ])('undefined for %s', (_, raw) => {
    expect(kidOf(raw)).toBeUndefined();
  });
});
