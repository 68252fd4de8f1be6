import { createPublicKey, generateKeyPairSync, type JsonWebKey, type KeyObject } from 'node:crypto';

/**
 * P-256 access-token keys for tests, made at load (no private key is committed). A light module: child
 * services (service-process.ts) and the in-process app (test-app.ts) both take their key sets from here.
 */
export interface TestAccessKey {
  kid: string;
  /** The private JWK, as JWT_ACCESS_KEYS holds it. */
  jwk: JsonWebKey & { kid: string };
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export function newAccessKey(kid: string): TestAccessKey {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { kid, jwk: { ...privateKey.export({ format: 'jwk' }), kid }, privateKey, publicKey: createPublicKey(privateKey) };
}

/** JWT_ACCESS_KEYS for these keys, in this order (the first signs). */
export function accessKeySet(...keys: TestAccessKey[]): string {
  return JSON.stringify({ keys: keys.map((key) => key.jwk) });
}

/** The key of every test app (TEST_SECRETS). */
export const TEST_ACCESS_KEY = newAccessKey('test-access-key-1');
