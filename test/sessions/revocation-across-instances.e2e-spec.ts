import request from 'supertest';
import { LiveSessionCache } from '../../src/sessions/live-session-cache.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD, bearer, signIn, signUp, uniqueEmail } from '../support/api.js';
import { useTestApps } from '../support/test-app.js';

/**
 * Two instances on one database, each with its own in-process cache of live sessions: a revocation
 * made through one instance is refused by the other on the very next request (LISTEN/NOTIFY).
 */
describe('immediate revocation across instances', () => {
  const [a, b] = useTestApps({ ADMIN_EMAIL, ADMIN_PASSWORD }, {});

  /** Signs in on A and warms B's cache with the access token; proves B serves it from the cache. */
  const sessionCachedOnB = async (email = uniqueEmail()) => {
    const user = await signUp(a.http, email);
    await request(b.http).get('/users/me').set(bearer(user.accessToken)).expect(200);
    const hits = b.app.get(LiveSessionCache).stats.hits;
    await request(b.http).get('/users/me').set(bearer(user.accessToken)).expect(200);
    expect(b.app.get(LiveSessionCache).stats.hits).toBe(hits + 1);
    return user;
  };

  it('sign-out on A: B refuses the access token on the next request', async () => {
    for (let round = 0; round < 20; round++) {
      const user = await sessionCachedOnB();
      await request(a.http).post('/auth/signout').set(bearer(user.accessToken)).expect(204);
      await request(b.http).get('/users/me').set(bearer(user.accessToken)).expect(401);
    }
  });

  it('sign-out everywhere, a session revocation and a password change on A reach B at once', async () => {
    const email = uniqueEmail();
    const first = await sessionCachedOnB(email);
    const second = await signIn(a.http, email);
    await request(b.http).get('/users/me').set(bearer(second.accessToken)).expect(200);
    await request(a.http).post('/auth/signout/all').set(bearer(first.accessToken)).expect(204);
    await request(b.http).get('/users/me').set(bearer(first.accessToken)).expect(401);
    await request(b.http).get('/users/me').set(bearer(second.accessToken)).expect(401);

    const phone = await signIn(a.http, email);
    const laptop = await signIn(a.http, email);
    await request(b.http).get('/users/me').set(bearer(laptop.accessToken)).expect(200);
    await request(a.http)
      .post('/auth/password')
      .set(bearer(phone.accessToken))
      .send({ currentPassword: PASSWORD, newPassword: 'another-passphrase-9' })
      .expect(204);
    await request(b.http).get('/users/me').set(bearer(laptop.accessToken)).expect(401);
    await request(b.http).get('/users/me').set(bearer(phone.accessToken)).expect(200);
  });

  it('a role change and a deletion by the admin on A reach B at once', async () => {
    const admin = await signIn(a.http, ADMIN_EMAIL, ADMIN_PASSWORD);
    const promoted = await sessionCachedOnB();
    await request(a.http).patch(`/users/${promoted.id}/role`).set(bearer(admin.accessToken)).send({ role: 'ADMIN' }).expect(200);
    await request(b.http).get('/users/me').set(bearer(promoted.accessToken)).expect(401);

    const deleted = await sessionCachedOnB();
    await request(a.http).delete(`/users/${deleted.id}`).set(bearer(admin.accessToken)).expect(204);
    await request(b.http).get('/users/me').set(bearer(deleted.accessToken)).expect(401);
  });

  it('reuse detection on A revokes the session on B too', async () => {
    const user = await sessionCachedOnB();
    const rotated = await request(a.http).post('/auth/refresh').set(bearer(user.refreshToken)).expect(200);
    await request(b.http).get('/users/me').set(bearer(rotated.body.accessToken)).expect(200);
    await request(b.http).get('/users/me').set(bearer(rotated.body.accessToken)).expect(200);
    // Replaying a token two generations old is reuse: the whole session goes.
    const again = await request(a.http).post('/auth/refresh').set(bearer(rotated.body.refreshToken)).expect(200);
    await request(a.http).post('/auth/refresh').set(bearer(user.refreshToken)).expect(401);
    await request(b.http).get('/users/me').set(bearer(again.body.accessToken)).expect(401);
  });

  it('a session revoked directly in the database (another service, a manual fix) is refused too', async () => {
    const user = await sessionCachedOnB();
    await a.prisma.session.updateMany({ where: { userId: user.id }, data: { revokedAt: new Date() } });
    // No instance made this change, so nobody waits for the notification: allow it a moment to land.
    await new Promise((resolve) => setTimeout(resolve, 100));
    await request(b.http).get('/users/me').set(bearer(user.accessToken)).expect(401);
  });

  it('a role changed or a user deleted directly in the database is refused too', async () => {
    const promoted = await sessionCachedOnB();
    await a.prisma.user.update({ where: { id: promoted.id }, data: { role: 'ADMIN' } });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await request(b.http).get('/users/me').set(bearer(promoted.accessToken)).expect(401);
    // Only the old tokens: a refresh gives a token with the new role.
    const refreshed = await request(a.http).post('/auth/refresh').set(bearer(promoted.refreshToken)).expect(200);
    const me = await request(b.http).get('/users/me').set(bearer(refreshed.body.accessToken)).expect(200);
    expect(me.body.role).toBe('ADMIN');

    const deleted = await sessionCachedOnB();
    await a.prisma.user.delete({ where: { id: deleted.id } });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await request(b.http).get('/auth/sessions').set(bearer(deleted.accessToken)).expect(401);
  });
});
