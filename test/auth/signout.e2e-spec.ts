import request from 'supertest';
import { bearer, decodeJwt, signIn, signUp, type Session } from '../support/api.js';
import { useTestApp } from '../support/test-app.js';

const UNAUTHORIZED = { statusCode: 401, message: expect.any(String), error: 'Unauthorized' };

describe('POST /auth/signout and /auth/signout/all', () => {
  const t = useTestApp({ RATE_LIMIT_PER_MINUTE: '100000' });

  const me = (token: string) => request(t.http).get('/users/me').set(bearer(token));
  const refresh = (token: string) => request(t.http).post('/auth/refresh').set(bearer(token));
  const signOut = (token: string, path = '/auth/signout') => request(t.http).post(path).set(bearer(token));
  const sidOf = (session: Session) => decodeJwt(session.accessToken).payload.sid as string;

  /** Both tokens of the session are refused with 401. */
  async function expectSignedOut(session: Session): Promise<void> {
    const profile = await me(session.accessToken);
    expect(profile.status).toBe(401);
    expect(profile.body).toEqual(UNAUTHORIZED);
    const refreshed = await refresh(session.refreshToken);
    expect(refreshed.status).toBe(401);
    expect(refreshed.body).toEqual(UNAUTHORIZED);
  }

  describe('POST /auth/signout', () => {
    it('204 with an empty body; that access token gets 401 at once, and its refresh token 401', async () => {
      const user = await signUp(t.http);
      expect((await me(user.accessToken)).status).toBe(200);
      const response = await signOut(user.accessToken);
      expect(response.status).toBe(204);
      expect(response.text).toBe('');
      await expectSignedOut(user);
      const row = await t.prisma.session.findUniqueOrThrow({ where: { id: sidOf(user) } });
      expect(row.revokedAt).toBeInstanceOf(Date);
    });

    it('signs out only the current session: a second sign-in of the same user keeps working', async () => {
      const first = await signUp(t.http);
      const second = await signIn(t.http, first.email);
      expect(sidOf(second)).not.toBe(sidOf(first));
      expect((await signOut(first.accessToken)).status).toBe(204);
      await expectSignedOut(first);
      expect((await me(second.accessToken)).status).toBe(200);
      const refreshed = await refresh(second.refreshToken);
      expect(refreshed.status).toBe(200);
      expect((await me(refreshed.body.accessToken)).status).toBe(200);
      expect((await t.prisma.session.findUniqueOrThrow({ where: { id: sidOf(second) } })).revokedAt).toBeNull();
    });

    it('revokes the access tokens issued by a refresh of that session too', async () => {
      const user = await signUp(t.http);
      const refreshed = await refresh(user.refreshToken);
      expect(refreshed.status).toBe(200);
      expect((await signOut(user.accessToken)).status).toBe(204);
      expect((await me(refreshed.body.accessToken)).status).toBe(401);
      expect((await refresh(refreshed.body.refreshToken)).status).toBe(401);
    });

    it('the same access token cannot sign out twice: 401', async () => {
      const user = await signUp(t.http);
      expect((await signOut(user.accessToken)).status).toBe(204);
      const again = await signOut(user.accessToken);
      expect(again.status).toBe(401);
      expect(again.body).toEqual(UNAUTHORIZED);
    });

    it.each<[string, Record<string, string>]>([
      ['no token', {}],
      ['"Bearer " with no token', { Authorization: 'Bearer ' }],
      ['a malformed token', bearer('not-a-jwt')],
    ])('401 with %s', async (_, headers) => {
      const response = await request(t.http).post('/auth/signout').set(headers);
      expect(response.status).toBe(401);
      expect(response.body).toEqual(UNAUTHORIZED);
    });

    it('401 with a refresh token, and the session is not signed out', async () => {
      const user = await signUp(t.http);
      const response = await signOut(user.refreshToken);
      expect(response.status).toBe(401);
      expect(response.body).toEqual(UNAUTHORIZED);
      expect((await me(user.accessToken)).status).toBe(200);
    });
  });

  describe('POST /auth/signout/all', () => {
    it("204; every session of the user is refused, another user's is unaffected", async () => {
      const user = await signUp(t.http);
      const devices = [user];
      for (let i = 0; i < 3; i++) devices.push(await signIn(t.http, user.email));
      const bystander = await signUp(t.http);
      const bystanderDevice = await signIn(t.http, bystander.email);
      for (const device of devices) expect((await me(device.accessToken)).status).toBe(200);

      const response = await signOut(devices[2].accessToken, '/auth/signout/all');
      expect(response.status).toBe(204);
      expect(response.text).toBe('');

      for (const device of devices) await expectSignedOut(device);
      const rows = await t.prisma.session.findMany({ where: { userId: user.id } });
      expect(rows).toHaveLength(4);
      for (const row of rows) expect(row.revokedAt).toBeInstanceOf(Date);

      for (const session of [bystander, bystanderDevice]) {
        expect((await me(session.accessToken)).status).toBe(200);
      }
      const refreshed = await refresh(bystanderDevice.refreshToken);
      expect(refreshed.status).toBe(200);
      expect((await me(refreshed.body.accessToken)).status).toBe(200);
      expect(await t.prisma.session.count({ where: { userId: bystander.id, revokedAt: null } })).toBe(2);
    });

    it('a new sign-in after signing out everywhere works', async () => {
      const user = await signUp(t.http);
      expect((await signOut(user.accessToken, '/auth/signout/all')).status).toBe(204);
      const again = await signIn(t.http, user.email);
      expect((await me(again.accessToken)).status).toBe(200);
      expect((await refresh(again.refreshToken)).status).toBe(200);
    });

    it.each<[string, () => Promise<Record<string, string>>]>([
      ['no token', async () => ({})],
      ['a refresh token', async () => bearer((await signUp(t.http)).refreshToken)],
      [
        'an access token of a session already signed out',
        async () => {
          const user = await signUp(t.http);
          await signOut(user.accessToken).expect(204);
          return bearer(user.accessToken);
        },
      ],
    ])('401 with %s', async (_, headers) => {
      const response = await request(t.http)
        .post('/auth/signout/all')
        .set(await headers());
      expect(response.status).toBe(401);
      expect(response.body).toEqual(UNAUTHORIZED);
    });

    it('401 with a signed-out token leaves the other sessions of the user alive', async () => {
      const user = await signUp(t.http);
      const other = await signIn(t.http, user.email);
      await signOut(user.accessToken).expect(204);
      expect((await signOut(user.accessToken, '/auth/signout/all')).status).toBe(401);
      expect((await me(other.accessToken)).status).toBe(200);
      expect((await refresh(other.refreshToken)).status).toBe(200);
    });
  });
});
