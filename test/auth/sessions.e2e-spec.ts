import { setTimeout as sleep } from 'node:timers/promises';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { SessionCleanup } from '../../src/sessions/session-cleanup.js';
import { bearer, signUp, uniqueEmail, PASSWORD } from '../support/api.js';
import { useTestApp } from '../support/test-app.js';

describe('device sessions: GET /auth/sessions, DELETE /auth/sessions/:id', () => {
  const t = useTestApp({ TRUST_PROXY: '1' });

  const signInFrom = async (email: string, userAgent: string, forwardedFor: string) => {
    const response = await request(t.http)
      .post('/auth/signin')
      .set('User-Agent', userAgent)
      .set('X-Forwarded-For', forwardedFor)
      .send({ email, password: PASSWORD });
    expect(response.status).toBe(200);
    return response.body as { accessToken: string; refreshToken: string };
  };

  it('lists the live sessions newest first, with the fields of the contract and the caller marked current', async () => {
    const user = await signUp(t.http);
    await sleep(5);
    const phone = await signInFrom(user.email, 'PhoneApp/1.0', '203.0.113.7');
    await sleep(5);
    const laptop = await signInFrom(user.email, 'Firefox/140', '198.51.100.23');

    const response = await request(t.http).get('/auth/sessions').set(bearer(phone.accessToken));
    expect(response.status).toBe(200);
    expect(response.body).toHaveLength(3);
    expect(response.body.map((s: { userAgent: string }) => s.userAgent)).toEqual(['Firefox/140', 'PhoneApp/1.0', null]);
    expect(response.body.map((s: { ip: string }) => s.ip)).toEqual(['198.51.100.23', '203.0.113.7', expect.any(String)]);
    expect(response.body.map((s: { current: boolean }) => s.current)).toEqual([false, true, false]);
    for (const session of response.body) {
      expect(Object.keys(session).sort()).toEqual(['createdAt', 'current', 'expiresAt', 'id', 'ip', 'lastUsedAt', 'userAgent']);
      expect(session.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(new Date(session.expiresAt).getTime()).toBeGreaterThan(Date.now() + 6 * 86400_000);
      expect(new Date(session.expiresAt).getTime()).toBeLessThanOrEqual(new Date(session.createdAt).getTime() + 7 * 86400_000 + 1000);
    }
    const fromLaptop = await request(t.http).get('/auth/sessions').set(bearer(laptop.accessToken));
    expect(fromLaptop.body.map((s: { current: boolean }) => s.current)).toEqual([true, false, false]);
  });

  it('lastUsedAt moves on each refresh', async () => {
    const user = await signUp(t.http);
    const before = (await request(t.http).get('/auth/sessions').set(bearer(user.accessToken))).body[0];
    await sleep(50);
    const refreshed = await request(t.http).post('/auth/refresh').set(bearer(user.refreshToken));
    expect(refreshed.status).toBe(200);
    const after = (await request(t.http).get('/auth/sessions').set(bearer(refreshed.body.accessToken))).body[0];
    expect(after.id).toBe(before.id);
    expect(new Date(after.lastUsedAt).getTime()).toBeGreaterThan(new Date(before.lastUsedAt).getTime());
  });

  it("revokes one of the caller's sessions: 204, its tokens are refused, the others stay", async () => {
    const user = await signUp(t.http);
    const other = await signInFrom(user.email, 'Other/1', '192.0.2.1');
    const list = (await request(t.http).get('/auth/sessions').set(bearer(user.accessToken))).body;
    const target = list.find((s: { current: boolean }) => !s.current);

    await request(t.http).delete(`/auth/sessions/${target.id}`).set(bearer(user.accessToken)).expect(204);
    await request(t.http).get('/users/me').set(bearer(other.accessToken)).expect(401);
    await request(t.http).post('/auth/refresh').set(bearer(other.refreshToken)).expect(401);
    await request(t.http).get('/users/me').set(bearer(user.accessToken)).expect(200);
    const remaining = (await request(t.http).get('/auth/sessions').set(bearer(user.accessToken))).body;
    expect(remaining.map((s: { id: string }) => s.id)).not.toContain(target.id);
    // Revoking it again: it is no longer a live session.
    await request(t.http).delete(`/auth/sessions/${target.id}`).set(bearer(user.accessToken)).expect(404);
  });

  it("a user can neither see nor revoke another user's sessions: 404, and that session stays live", async () => {
    const alice = await signUp(t.http);
    const bob = await signUp(t.http);
    const bobSessions = (await request(t.http).get('/auth/sessions').set(bearer(bob.accessToken))).body;
    const aliceSessions = (await request(t.http).get('/auth/sessions').set(bearer(alice.accessToken))).body;
    expect(aliceSessions.map((s: { id: string }) => s.id)).not.toContain(bobSessions[0].id);

    const response = await request(t.http).delete(`/auth/sessions/${bobSessions[0].id}`).set(bearer(alice.accessToken));
    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ statusCode: 404 });
    await request(t.http).get('/users/me').set(bearer(bob.accessToken)).expect(200);
  });

  it('an upper-case session id names the same session: 204, then 404', async () => {
    const user = await signUp(t.http);
    const other = await signInFrom(user.email, 'Other/1', '192.0.2.1');
    const list = (await request(t.http).get('/auth/sessions').set(bearer(user.accessToken))).body;
    const target = list.find((s: { current: boolean }) => !s.current);

    await request(t.http).delete(`/auth/sessions/${target.id.toUpperCase()}`).set(bearer(user.accessToken)).expect(204);
    await request(t.http).get('/users/me').set(bearer(other.accessToken)).expect(401);
    await request(t.http).delete(`/auth/sessions/${target.id}`).set(bearer(user.accessToken)).expect(404);
  });

  it.each(['not-a-uuid', '123', randomUUID(), `${randomUUID()}x`, "1' OR '1'='1"])('404 for the session id %s', async (id) => {
    const user = await signUp(t.http);
    await request(t.http)
      .delete(`/auth/sessions/${encodeURIComponent(id)}`)
      .set(bearer(user.accessToken))
      .expect(404);
  });

  it('401 without a valid access token', async () => {
    await request(t.http).get('/auth/sessions').expect(401);
    await request(t.http).delete(`/auth/sessions/${randomUUID()}`).expect(401);
  });

  it('revoked and expired sessions are not listed', async () => {
    const email = uniqueEmail();
    const user = await signUp(t.http, email);
    const second = await signInFrom(email, 'Second/1', '192.0.2.2');
    await request(t.http).post('/auth/signout').set(bearer(second.accessToken)).expect(204);
    const list = (await request(t.http).get('/auth/sessions').set(bearer(user.accessToken))).body;
    expect(list).toHaveLength(1);
    expect(list[0].current).toBe(true);
  });

  it('one notion of live: a session past its inactivity timeout is not listed, not revocable, and its access token is refused', async () => {
    const email = uniqueEmail();
    const user = await signUp(t.http, email);
    const idle = await signInFrom(email, 'Idle/1', '192.0.2.3');
    const idleId = (await t.prisma.session.findFirstOrThrow({ where: { userAgent: 'Idle/1', user: { email } } })).id;
    // Its refresh token expired (JWT_REFRESH_TTL unused); its access token has not, and was never checked (not cached).
    await t.prisma.session.update({ where: { id: idleId }, data: { refreshExpiresAt: new Date(Date.now() - 1000) } });
    const list = (await request(t.http).get('/auth/sessions').set(bearer(user.accessToken))).body;
    expect(list.map((s: { id: string }) => s.id)).not.toContain(idleId);
    await request(t.http).delete(`/auth/sessions/${idleId}`).set(bearer(user.accessToken)).expect(404);
    await request(t.http).get('/users/me').set(bearer(idle.accessToken)).expect(401);
  });
});

describe('session clean-up', () => {
  const t = useTestApp();

  it('deletes revoked and expired sessions, and only those', async () => {
    const live = await signUp(t.http);
    const revoked = await signUp(t.http);
    await request(t.http).post('/auth/signout').set(bearer(revoked.accessToken)).expect(204);
    const inactive = await signUp(t.http);
    const pastEnd = await signUp(t.http);
    const past = new Date(Date.now() - 1000);
    await t.prisma.session.updateMany({ where: { userId: inactive.id }, data: { refreshExpiresAt: past } });
    await t.prisma.session.updateMany({ where: { userId: pastEnd.id }, data: { expiresAt: past, refreshExpiresAt: past } });

    const deleted = await t.app.get(SessionCleanup).run();

    expect(deleted).toBe(3);
    const remaining = await t.prisma.session.findMany({ select: { userId: true } });
    expect(remaining.map((s) => s.userId)).toEqual([live.id]);
    await request(t.http).get('/users/me').set(bearer(live.accessToken)).expect(200);
    await request(t.http).post('/auth/refresh').set(bearer(live.refreshToken)).expect(200);
    // A deleted session's refresh token is refused like a revoked one.
    await request(t.http).post('/auth/refresh').set(bearer(inactive.refreshToken)).expect(401);
  });
});
