import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { TEST_ACCESS_KEY } from '../support/access-keys.js';
import { type Server } from 'node:http';
import { bearer, decodeJwt, signIn, signUp, type Session } from '../support/api.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** The refresh route's rate limit is not what this file tests. */
const NO_RATE_LIMIT = { RATE_LIMIT_PER_MINUTE: '100000' };
const UNAUTHORIZED = { statusCode: 401, message: expect.any(String), error: 'Unauthorized' };

const refresh = (http: Server, token: string) => request(http).post('/auth/refresh').set(bearer(token));
const me = (http: Server, token: string) => request(http).get('/users/me').set(bearer(token));
const sidOf = (token: string) => decodeJwt(token).payload.sid as string;

/**
 * Three configurations, one application at a time: passport keeps its strategies in a process-wide
 * registry, so applications running side by side in one test file would all check access tokens with
 * the strategy (and the database) of the last one started.
 */
describe('POST /auth/refresh', () => {
  let t: TestApp;
  const startWith = (env: Record<string, string>) => {
    beforeAll(async () => {
      t = await startTestApp({ ...NO_RATE_LIMIT, ...env });
    });
    afterAll(async () => {
      await t?.close();
    });
  };
  const generationOf = async (app: TestApp, token: string) =>
    (await app.prisma.session.findUniqueOrThrow({ where: { id: sidOf(token) } })).generation;
  const revokedAtOf = async (app: TestApp, token: string) =>
    (await app.prisma.session.findUniqueOrThrow({ where: { id: sidOf(token) } })).revokedAt;

  describe('default configuration', () => {
    startWith({});

    it('200 with a new token pair; the refresh token rotates and the new access token works', async () => {
      const user = await signUp(t.http);
      const response = await refresh(t.http, user.refreshToken);
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        accessToken: expect.any(String),
        refreshToken: expect.any(String),
        tokenType: 'Bearer',
        expiresIn: 900,
      });
      expect(response.body.refreshToken).not.toBe(user.refreshToken);
      expect(response.body.accessToken).not.toBe(user.accessToken);

      const access = decodeJwt(response.body.accessToken);
      expect(access.header).toEqual({ alg: 'ES256', typ: 'at+jwt', kid: TEST_ACCESS_KEY.kid });
      expect(access.payload).toMatchObject({ sub: String(user.id), sid: sidOf(user.accessToken), role: 'USER' });
      const next = decodeJwt(response.body.refreshToken);
      expect(next.header).toEqual({ alg: 'HS256', typ: 'rt+jwt' });
      expect(next.payload).toMatchObject({ sub: String(user.id), sid: sidOf(user.refreshToken) });
      expect(next.payload.jti).not.toBe(decodeJwt(user.refreshToken).payload.jti);

      const profile = await me(t.http, response.body.accessToken);
      expect(profile.status).toBe(200);
      expect(profile.body).toMatchObject({ id: user.id, email: user.email, role: 'USER' });
      expect(await generationOf(t, user.refreshToken)).toBe(1);
      // The new refresh token is the session's current one: it rotates in turn.
      const again = await refresh(t.http, response.body.refreshToken);
      expect(again.status).toBe(200);
      expect(again.body.refreshToken).not.toBe(response.body.refreshToken);
      expect(await generationOf(t, user.refreshToken)).toBe(2);
    });

    it('grace window: the previous token presented again right away gets the very same new refresh token', async () => {
      const user = await signUp(t.http);
      const first = await refresh(t.http, user.refreshToken);
      expect(first.status).toBe(200);
      const replay = await refresh(t.http, user.refreshToken);
      expect(replay.status).toBe(200);
      expect(replay.body).toEqual({
        accessToken: expect.any(String),
        refreshToken: first.body.refreshToken,
        tokenType: 'Bearer',
        expiresIn: 900,
      });
      expect((await me(t.http, replay.body.accessToken)).status).toBe(200);
      // The session stays intact: no second rotation, not revoked, and its current token still rotates.
      expect(await generationOf(t, user.refreshToken)).toBe(1);
      expect(await revokedAtOf(t, user.refreshToken)).toBeNull();
      const next = await refresh(t.http, first.body.refreshToken);
      expect(next.status).toBe(200);
      expect(next.body.refreshToken).not.toBe(first.body.refreshToken);
    });

    it('20 parallel refreshes of one token all get 200 and one identical new refresh token; generation +1', async () => {
      const user = await signUp(t.http);
      expect(await generationOf(t, user.refreshToken)).toBe(0);
      const responses = await Promise.all(Array.from({ length: 20 }, () => refresh(t.http, user.refreshToken)));
      expect(responses.map((response) => response.status)).toEqual(Array(20).fill(200));
      const tokens = new Set(responses.map((response) => response.body.refreshToken as string));
      expect(tokens.size).toBe(1);
      const [token] = tokens;
      expect(token).not.toBe(user.refreshToken);
      expect(await generationOf(t, user.refreshToken)).toBe(1);
      expect(await revokedAtOf(t, user.refreshToken)).toBeNull();
      for (const response of responses.slice(0, 3)) expect((await me(t.http, response.body.accessToken)).status).toBe(200);
      expect((await refresh(t.http, token)).status).toBe(200);
    });

    it('a token two generations old: 401 and revocation even within the grace window', async () => {
      const user = await signUp(t.http);
      const second = await refresh(t.http, user.refreshToken);
      expect(second.status).toBe(200);
      const third = await refresh(t.http, second.body.refreshToken);
      expect(third.status).toBe(200);
      const stale = await refresh(t.http, user.refreshToken);
      expect(stale.status).toBe(401);
      expect(stale.body).toEqual(UNAUTHORIZED);
      expect(await revokedAtOf(t, user.refreshToken)).not.toBeNull();
      expect((await refresh(t.http, third.body.refreshToken)).status).toBe(401);
      expect((await me(t.http, third.body.accessToken)).status).toBe(401);
    });

    describe('401 for a missing, malformed or wrong-type token', () => {
      let user: Session;
      beforeAll(async () => {
        user = await signUp(t.http);
      });

      it.each<[string, () => Record<string, string>]>([
        ['no Authorization header', () => ({})],
        ['"Bearer " with no token', () => ({ Authorization: 'Bearer ' })],
        ['a token that is not a JWT', () => bearer('not-a-jwt')],
        ['a malformed JWT', () => bearer('aaa.bbb.ccc')],
        ['a truncated refresh token', () => bearer(user.refreshToken.slice(0, -5))],
        ['the refresh token without the Bearer scheme', () => ({ Authorization: user.refreshToken })],
        ['the refresh token under the Basic scheme', () => ({ Authorization: `Basic ${user.refreshToken}` })],
        ['an access token', () => bearer(user.accessToken)],
      ])('%s', async (_, headers) => {
        const response = await request(t.http).post('/auth/refresh').set(headers());
        expect(response.status).toBe(401);
        expect(response.body).toEqual(UNAUTHORIZED);
      });

      it('the session survived those attempts: its refresh token still works', async () => {
        expect((await refresh(t.http, user.refreshToken)).status).toBe(200);
      });
    });

    it('401 after sign-out', async () => {
      const user = await signUp(t.http);
      await request(t.http).post('/auth/signout').set(bearer(user.accessToken)).expect(204);
      const response = await refresh(t.http, user.refreshToken);
      expect(response.status).toBe(401);
      expect(response.body).toEqual(UNAUTHORIZED);
    });

    it('401 for the refresh token of another session of the same user once that session is signed out', async () => {
      const user = await signUp(t.http);
      const other = await signIn(t.http, user.email);
      await request(t.http).post('/auth/signout').set(bearer(other.accessToken)).expect(204);
      expect((await refresh(t.http, other.refreshToken)).status).toBe(401);
      expect((await refresh(t.http, user.refreshToken)).status).toBe(200);
    });
  });

  describe('JWT_REFRESH_REUSE_GRACE=1s', () => {
    startWith({ JWT_REFRESH_REUSE_GRACE: '1s' });

    it('reuse after the grace window: 401, and the whole session is revoked', async () => {
      const user = await signUp(t.http);
      const rotated = await refresh(t.http, user.refreshToken);
      expect(rotated.status).toBe(200);
      expect((await me(t.http, rotated.body.accessToken)).status).toBe(200);
      await sleep(2100);
      const reuse = await refresh(t.http, user.refreshToken);
      expect(reuse.status).toBe(401);
      expect(reuse.body).toEqual(UNAUTHORIZED);
      expect(await revokedAtOf(t, user.refreshToken)).not.toBeNull();
      // Its newest refresh token and its access tokens stop working too.
      expect((await refresh(t.http, rotated.body.refreshToken)).status).toBe(401);
      expect((await me(t.http, rotated.body.accessToken)).status).toBe(401);
      expect((await me(t.http, user.accessToken)).status).toBe(401);
    });

    it('the grace window runs from the rotation itself: a replay 0.55 s after it is within a 1 s grace', async () => {
      const user = await signUp(t.http);
      // Rotate in the second half of a wall-clock second, so that whole-second rounding would matter.
      await sleep((1000 + 550 - (Date.now() % 1000)) % 1000);
      const rotated = await refresh(t.http, user.refreshToken);
      expect(rotated.status).toBe(200);
      await sleep(550);
      const replay = await refresh(t.http, user.refreshToken);
      expect(replay.status).toBe(200);
      expect(replay.body.refreshToken).toBe(rotated.body.refreshToken);
      expect(await revokedAtOf(t, user.refreshToken)).toBeNull();
    });
  });

  describe('SESSION_MAX_AGE=3s, JWT_REFRESH_TTL=3s', () => {
    startWith({ SESSION_MAX_AGE: '3s', JWT_REFRESH_TTL: '3s' });

    it('SESSION_MAX_AGE caps the session however often it is refreshed', async () => {
      const user = await signUp(t.http);
      const session = await t.prisma.session.findUniqueOrThrow({ where: { id: sidOf(user.refreshToken) } });
      const lifetime = session.expiresAt.getTime() - session.createdAt.getTime();
      expect(lifetime).toBeGreaterThanOrEqual(2900);
      expect(lifetime).toBeLessThanOrEqual(3100);
      const end = Math.floor(session.expiresAt.getTime() / 1000);
      expect(decodeJwt(user.refreshToken).payload.exp).toBeLessThanOrEqual(end);
      expect(decodeJwt(user.accessToken).payload.exp).toBeLessThanOrEqual(end);

      await sleep(1100);
      const refreshed = await refresh(t.http, user.refreshToken);
      expect(refreshed.status).toBe(200);
      const next = decodeJwt(refreshed.body.refreshToken).payload as { iat: number; exp: number };
      // Issued at least a second later, yet it ends with the session, not JWT_REFRESH_TTL after its issue.
      expect(next.exp).toBeLessThanOrEqual(end);
      expect(next.exp).toBeLessThan(next.iat + 3);
      const access = decodeJwt(refreshed.body.accessToken).payload as { iat: number; exp: number };
      expect(access.exp).toBeLessThanOrEqual(end);
      expect(refreshed.body.expiresIn).toBe(access.exp - access.iat);
      expect((await me(t.http, refreshed.body.accessToken)).status).toBe(200);

      // Half a second past the session's absolute end (about 3.5 s after sign-in).
      await sleep(Math.max(0, session.expiresAt.getTime() + 500 - Date.now()));
      const late = await refresh(t.http, refreshed.body.refreshToken);
      expect(late.status).toBe(401);
      expect(late.body).toEqual(UNAUTHORIZED);
      expect((await me(t.http, refreshed.body.accessToken)).status).toBe(401);
    });
  });
});
