import { createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, sign, verify, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError } from './config.error.js';

/** One access-token key of JWT_ACCESS_KEYS: its id and its private key (P-256, for ES256). */
export interface AccessKey {
  kid: string;
  privateKey: KeyObject;
}

const VARIABLE = 'JWT_ACCESS_KEYS';
const KID = /^[\x21-\x7e]{1,128}$/;
const SELF_TEST = Buffer.from('JWT_ACCESS_KEYS self-test');

/**
 * The key set of JWT_ACCESS_KEYS (the JSON, or `@path/to/file.json`), parsed once at start-up. The first key
 * signs; every key verifies. Messages name a key by its position and kid, never show key material.
 */
export function parseAccessKeys(text: string): AccessKey[] {
  const json = text.startsWith('@') ? readKeyFile(text.slice(1)) : text;
  let set: unknown;
  try {
    set = JSON.parse(json);
  } catch {
    throw new ConfigError(VARIABLE, 'is not valid JSON: give a JWK set {"keys": [...]} or @path/to/file.json');
  }
  const keys = isObject(set) && Array.isArray(set.keys) ? (set.keys as unknown[]) : undefined;
  if (!keys || keys.length === 0) throw new ConfigError(VARIABLE, 'must be a JWK set {"keys": [...]} with at least one key');
  const parsed = keys.map((jwk, index) => parseKey(jwk, index + 1));
  const seen = new Set<string>();
  for (const { kid } of parsed) {
    if (seen.has(kid)) throw new ConfigError(VARIABLE, `kid "${kid}" appears twice: every key needs its own kid`);
    seen.add(kid);
  }
  return parsed;
}

/** A fresh key for this process only (development without JWT_ACCESS_KEYS). */
export function generatedAccessKey(): AccessKey {
  return { kid: randomUUID(), privateKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey };
}

function readKeyFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(VARIABLE, `cannot read the key file ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

function parseKey(jwk: unknown, position: number): AccessKey {
  if (!isObject(jwk)) throw new ConfigError(VARIABLE, `key ${position} is not a JSON object`);
  const { kid } = jwk;
  if (typeof kid !== 'string' || !KID.test(kid)) {
    throw new ConfigError(VARIABLE, `key ${position} needs a kid: 1 to 128 printable characters without spaces`);
  }
  const name = `key ${position} (kid "${kid}")`;
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256')
    throw new ConfigError(VARIABLE, `${name} must be a P-256 key (kty "EC", crv "P-256") for ES256`);
  if (jwk.alg !== undefined && jwk.alg !== 'ES256')
    throw new ConfigError(VARIABLE, `${name} has alg "${String(jwk.alg)}": only ES256 is supported`);
  if (jwk.use !== undefined && jwk.use !== 'sig') throw new ConfigError(VARIABLE, `${name} has use "${String(jwk.use)}": it must be "sig"`);
  if (typeof jwk.d !== 'string') throw new ConfigError(VARIABLE, `${name} has no private part (d): the set holds private keys`);
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, d: jwk.d } as never, format: 'jwk' });
  } catch {
    throw new ConfigError(VARIABLE, `${name} is not a valid P-256 private key`);
  }
  // Node accepts x and y that do not belong to d: tokens would then fail to verify everywhere.
  if (!verify('sha256', SELF_TEST, createPublicKey(privateKey), sign('sha256', SELF_TEST, privateKey))) {
    throw new ConfigError(VARIABLE, `${name}: its public part (x, y) does not belong to its private part (d)`);
  }
  return { kid, privateKey };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
