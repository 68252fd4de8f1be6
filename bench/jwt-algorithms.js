// Sign and verify cost of the candidate access-token algorithms: ES256 (P-256) and EdDSA (Ed25519), with HS256
// (the refresh tokens' algorithm) for scale. node bench/jwt-algorithms.js [operations, default 3000]
// Each row: one library, one algorithm, the same claims as an access token; a warm-up, then three timed rounds of
// the given number of operations, of which the fastest is reported (other load on the machine only slows a round).
// jsonwebtoken (what passport-jwt verifies with) has no EdDSA: its row says so instead of a number.
import { createSecretKey, generateKeyPairSync, randomUUID, sign, verify } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import * as jose from 'jose';
import jwt from 'jsonwebtoken';

const N = Number(process.argv[2] ?? 3000);
const WARMUP = Math.ceil(N / 10);
const now = Math.floor(Date.now() / 1000);
const claims = () => ({
  sub: '42',
  sid: randomUUID(),
  role: 'USER',
  iss: 'nest-jwt-auth',
  aud: 'nest-jwt-auth',
  iat: now,
  exp: now + 900,
  jti: randomUUID(),
});

const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ed = generateKeyPairSync('ed25519');
const hmac = createSecretKey(Buffer.from('bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz'));
const keys = { ES256: ec, EdDSA: ed, HS256: { privateKey: hmac, publicKey: hmac } };

const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** JWS by hand with node:crypto alone: the floor any library sits on. */
const nodeCrypto = {
  sign(alg, payload) {
    const input = `${b64({ alg, typ: 'at+jwt', kid: 'k' })}.${b64(payload)}`;
    const data = Buffer.from(input);
    const signature =
      alg === 'ES256'
        ? sign('sha256', data, { key: ec.privateKey, dsaEncoding: 'ieee-p1363' })
        : alg === 'EdDSA'
          ? sign(null, data, ed.privateKey)
          : null;
    return `${input}.${signature.toString('base64url')}`;
  },
  verify(alg, token) {
    const end = token.lastIndexOf('.');
    const data = Buffer.from(token.slice(0, end));
    const signature = Buffer.from(token.slice(end + 1), 'base64url');
    const ok =
      alg === 'ES256'
        ? verify('sha256', data, { key: ec.publicKey, dsaEncoding: 'ieee-p1363' }, signature)
        : verify(null, data, ed.publicKey, signature);
    if (!ok) throw new Error('bad signature');
    return JSON.parse(Buffer.from(token.slice(token.indexOf('.') + 1, end), 'base64url').toString());
  },
};

const jsonwebtoken = {
  sign: (alg, payload) => jwt.sign(payload, keys[alg].privateKey, { algorithm: alg, header: { alg, typ: 'at+jwt', kid: 'k' } }),
  verify: (alg, token) =>
    jwt.verify(token, keys[alg].publicKey, { algorithms: [alg], issuer: 'nest-jwt-auth', audience: 'nest-jwt-auth', complete: true }),
};

const joseLib = {
  sign: (alg, payload) => new jose.SignJWT(payload).setProtectedHeader({ alg, typ: 'at+jwt', kid: 'k' }).sign(keys[alg].privateKey),
  verify: (alg, token) =>
    jose.jwtVerify(token, keys[alg].publicKey, { algorithms: [alg], issuer: 'nest-jwt-auth', audience: 'nest-jwt-auth' }),
};

const ROUNDS = 3;

async function time(operation) {
  for (let i = 0; i < WARMUP; i++) await operation(i);
  let best = Infinity;
  for (let round = 0; round < ROUNDS; round++) {
    const start = performance.now();
    for (let i = 0; i < N; i++) await operation(i);
    best = Math.min(best, (performance.now() - start) / N);
  }
  return best;
}

const rows = [];
for (const [library, lib, algorithms] of [
  ['node:crypto', nodeCrypto, ['ES256', 'EdDSA']],
  ['jsonwebtoken 9', jsonwebtoken, ['ES256', 'EdDSA', 'HS256']],
  ['jose 6', joseLib, ['ES256', 'EdDSA', 'HS256']],
]) {
  for (const alg of algorithms) {
    let sample;
    try {
      sample = await lib.sign(alg, claims());
      await lib.verify(alg, sample);
    } catch (error) {
      rows.push({ library, alg, note: `unsupported: ${error.message}` });
      continue;
    }
    const tokens = await Promise.all(Array.from({ length: 64 }, () => lib.sign(alg, claims())));
    const signMs = await time(() => lib.sign(alg, claims()));
    const verifyMs = await time((i) => lib.verify(alg, tokens[i % tokens.length]));
    rows.push({ library, alg, signMs, verifyMs });
  }
}

const fmt = (ms) => `${(ms * 1000).toFixed(0)} µs (${Math.round(1000 / ms).toLocaleString('en-US')}/s)`;
console.log(`| library | algorithm | sign | verify |\n| --- | --- | --- | --- |`);
for (const row of rows)
  console.log(`| ${row.library} | ${row.alg} | ${row.note ?? fmt(row.signMs)} | ${row.note ? '' : fmt(row.verifyMs)} |`);
console.log(`\nFastest of ${ROUNDS} rounds of ${N} operations, after ${WARMUP} of warm-up; one thread; Node ${process.version}.`);
