import request from 'supertest';
import { setTimeout as sleep } from 'node:timers/promises';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from '../../examples/resource-server/src/app.module.js';
import { freePort } from '../../src/database/embedded-postgres.js';
import { accessKeySet, newAccessKey, type TestAccessKey } from '../support/access-keys.js';
import { bearer, decodeJwt, signIn, signUp, type Session } from '../support/api.js';
import { nowSeconds, signAsymmetricJwt, signJwt, tamperPayload, unsignedJwt, type Claims } from '../support/jwt.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const OLD = newAccessKey('old-key');
const NEW = newAccessKey('new-key');
/** The example trusts a fetched key this long; short, so that the removal of a key is seen within the test. */
const CACHE_MAX_AGE_MS = 1500;

/**
 * examples/resource-server (NestJS, passport-jwt + jwks-rsa) protecting GET /profile with the tokens of this
 * service, which it knows only by its JWKS URL. The service restarts on one port for each step of a key
 * rotation; the example runs throughout, never restarted.
 */
describe('examples/resource-server verifies access tokens with the JWKS of the service', () => {
  let database: TestDatabase;
  let port: number;
  let service: TestApp | undefined;
  let example: NestFastifyApplication;
  let user: Session;

  const restartServiceWith = async (...keys: TestAccessKey[]) => {
    await service?.close();
    service = await startTestApp({ JWT_ACCESS_KEYS: accessKeySet(...keys) }, database);
    await service.app.listen({ port, host: '127.0.0.1' });
  };
  const profile = (token: string) => request(example.getHttpServer()).get('/profile').set(bearer(token));
  const expectRefused = async (token: string) => {
    const response = await profile(token);
    expect(response.status).toBe(401);
    expect(response.body).toEqual({ statusCode: 401, message: 'Unauthorized' });
  };
  /** `user`'s access claims with `changes`, signed ES256 by `key` under `kid`. */
  const forge = (changes: Claims = {}, key = OLD, header: object = { alg: 'ES256', typ: 'at+jwt', kid: key.kid }) =>
    signAsymmetricJwt(header, { ...decodeJwt(user.accessToken).payload, exp: nowSeconds() + 600, ...changes }, key.privateKey);

  beforeAll(async () => {
    database = await createTestDatabase();
    port = await freePort();
    await restartServiceWith(OLD);
    example = await NestFactory.create<NestFastifyApplication>(
      AppModule.forRoot({
        jwksUri: `http://127.0.0.1:${port}/.well-known/jwks.json`,
        issuer: 'nest-jwt-auth',
        audience: 'nest-jwt-auth',
        jwksCacheMaxAgeMs: CACHE_MAX_AGE_MS,
      }),
      new FastifyAdapter(),
      { logger: false },
    );
    await example.init();
    await example.getHttpAdapter().getInstance().ready();
    user = await signUp(service!.http);
  });
  afterAll(async () => {
    await example?.close();
    await service?.close();
    await database?.drop();
  });

  it("accepts the service's access token: the caller's id, role and session", async () => {
    const response = await profile(user.accessToken);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ userId: String(user.id), role: 'USER', sessionId: decodeJwt(user.accessToken).payload.sid });
  });

  it.each([
    ['the role changed to ADMIN, signature kept', () => tamperPayload(user.accessToken, { role: 'ADMIN' })],
    ['the sub changed, signature kept', () => tamperPayload(user.accessToken, { sub: String(user.id + 1) })],
    ['signed by a foreign key under the known kid', () => forge({}, newAccessKey(OLD.kid))],
    ['signed by a foreign key under an unknown kid', () => forge({}, newAccessKey('unknown-kid'))],
    [
      'HS256 keyed with the published public key',
      () =>
        signJwt(
          { alg: 'HS256', typ: 'at+jwt', kid: OLD.kid },
          decodeJwt(user.accessToken).payload,
          OLD.publicKey.export({ type: 'spki', format: 'pem' }),
        ),
    ],
    ['alg none', () => unsignedJwt({ alg: 'none', typ: 'at+jwt', kid: OLD.kid }, decodeJwt(user.accessToken).payload)],
    ['the refresh token', () => user.refreshToken],
    ['signed by the service key but typ JWT', () => forge({}, OLD, { alg: 'ES256', typ: 'JWT', kid: OLD.kid })],
    ['signed by the service key but another iss', () => forge({ iss: 'someone-else' })],
    ['signed by the service key but another aud', () => forge({ aud: 'another-api' })],
    ['signed by the service key but expired', () => forge({ iat: nowSeconds() - 120, exp: nowSeconds() - 60 })],
  ])('refuses (401) a token %s', async (_, token) => {
    await expectRefused(token());
  });

  it('after a key rotation of the service (two restarts), accepts tokens of the new key without a restart; old tokens stay valid', async () => {
    const signedBefore = user.accessToken;
    await restartServiceWith(OLD, NEW);
    await restartServiceWith(NEW, OLD);
    const fresh = await signIn(service!.http, user.email);
    expect(decodeJwt(fresh.accessToken).header.kid).toBe('new-key');
    const response = await profile(fresh.accessToken);
    expect(response.status).toBe(200);
    expect(response.body.userId).toBe(String(user.id));
    expect((await profile(signedBefore)).status).toBe(200);
    user = fresh;
  });

  it('once the service has removed the old key, and the cached key has aged out, tokens of the old key are refused', async () => {
    const ofOldKey = forge({}, OLD);
    expect((await profile(ofOldKey)).status).toBe(200);
    await restartServiceWith(NEW);
    await sleep(CACHE_MAX_AGE_MS + 500);
    await expectRefused(ofOldKey);
    expect((await profile(user.accessToken)).status).toBe(200);
    // The service refuses it too, at once.
    expect((await request(service!.http).get('/users/me').set(bearer(ofOldKey))).status).toBe(401);
  });
});
