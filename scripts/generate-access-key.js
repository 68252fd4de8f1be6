// npm run keys:generate: prints a new private P-256 JWK (ES256, random kid) for JWT_ACCESS_KEYS.
//   npm run keys:generate            the key alone, to add to an existing set (README: key rotation)
//   npm run keys:generate -- --set   a whole set {"keys": [key]}, for a first JWT_ACCESS_KEYS
// Only ES256 is supported (the contract's algorithm), so there is no algorithm option.
import { generateKeyPairSync, randomBytes } from 'node:crypto';

const args = process.argv.slice(2);
const unknown = args.filter((arg) => arg !== '--set');
if (unknown.length > 0) {
  process.stderr.write(`keys:generate: unknown option ${unknown[0]} (the only option is --set)\n`);
  process.exit(2);
}

const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const { kty, crv, x, y, d } = privateKey.export({ format: 'jwk' });
const key = { kty, crv, x, y, d, kid: randomBytes(12).toString('base64url'), alg: 'ES256', use: 'sig' };
process.stdout.write(`${JSON.stringify(args.includes('--set') ? { keys: [key] } : key)}\n`);
