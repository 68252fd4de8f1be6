import request from 'supertest';
import { createPublicKey, verify } from 'node:crypto';
import { accessKeySet, newAccessKey } from '../support/access-keys.js';
import { bearer, decodeJwt, signUp } from '../support/api.js';
import { useTestApp } from '../support/test-app.js';

const SIGNING = newAccessKey('signing-key');
const NEXT = newAccessKey('next-key');

describe('GET /.well-known/jwks.json', () => {
  const t = useTestApp({ JWT_ACCESS_KEYS: accessKeySet(SIGNING, NEXT) });

  it('is public, cacheable for 5 minutes, and lists every key of JWT_ACCESS_KEYS in order, public members only', async () => {
    const response = await request(t.http).get('/.well-known/jwks.json');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.headers['cache-control']).toBe('public, max-age=300');
    expect(response.body).toEqual({
      keys: [SIGNING, NEXT].map(({ kid, jwk }) => ({ kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, kid, alg: 'ES256', use: 'sig' })),
    });
    expect(response.text).not.toContain('"d"');
    for (const { jwk } of [SIGNING, NEXT]) expect(response.text).not.toContain(jwk.d);
    expect(response.text).not.toContain(t.config.jwt.refreshSecret);
  });

  it('an access token of the service verifies with the published key its kid names, and with no other', async () => {
    const user = await signUp(t.http);
    const { keys } = (await request(t.http).get('/.well-known/jwks.json')).body as { keys: Array<Record<string, string>> };
    const [header, payload, signature] = user.accessToken.split('.');
    expect(decodeJwt(user.accessToken).header).toEqual({ alg: 'ES256', typ: 'at+jwt', kid: 'signing-key' });
    const verifies = (jwk: Record<string, string>) =>
      verify(
        'sha256',
        Buffer.from(`${header}.${payload}`),
        { key: createPublicKey({ key: jwk, format: 'jwk' }), dsaEncoding: 'ieee-p1363' },
        Buffer.from(signature, 'base64url'),
      );
    expect(keys.map((jwk) => [jwk.kid, verifies(jwk)])).toEqual([
      ['signing-key', true],
      ['next-key', false],
    ]);
  });

  it('is served with a revoked or bogus token too (public), and never needs one', async () => {
    const user = await signUp(t.http);
    await request(t.http).post('/auth/signout').set(bearer(user.accessToken)).expect(204);
    const response = await request(t.http).get('/.well-known/jwks.json').set(bearer(user.accessToken));
    expect(response.status).toBe(200);
    expect(response.body.keys).toHaveLength(2);
  });

  it('is the same set on every request (keys are parsed once, at start-up)', async () => {
    const first = await request(t.http).get('/.well-known/jwks.json');
    const second = await request(t.http).get('/.well-known/jwks.json');
    expect(second.text).toBe(first.text);
  });
});
