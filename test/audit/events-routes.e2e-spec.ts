import request from 'supertest';
import { SessionCleanup } from '../../src/sessions/session-cleanup.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, bearer, signIn, signUp, uniqueEmail, type Session } from '../support/api.js';
import { useTestApp } from '../support/test-app.js';

const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const OWN_KEYS = ['createdAt', 'id', 'ip', 'sessionId', 'type', 'userAgent'];
const ADMIN_KEYS = ['actorId', 'createdAt', 'detail', 'id', 'ip', 'sessionId', 'type', 'userAgent', 'userId'];
const BAD_TAKES = ['0', '101', 'abc', '1.5', '-1', '1e1', ''];
const BAD_BEFORES = ['0', '-1', 'abc', '1.5', '0x10', '99999999999999999', ''];
const DAY_MS = 86_400_000;

describe('GET /auth/events and GET /admin/events', () => {
  const t = useTestApp({ ADMIN_EMAIL, ADMIN_PASSWORD });
  let admin: Session;
  let user: Session;
  let other: Session;

  const http = () => request(t.http);
  const own = (token: string, query = '') => http().get(`/auth/events${query}`).set(bearer(token));
  const adminEvents = (query = '') => http().get(`/admin/events${query}`).set(bearer(admin.accessToken));
  const ids = (body: { id: number }[]) => body.map((event) => event.id);

  beforeAll(async () => {
    admin = await signIn(t.http, ADMIN_EMAIL, ADMIN_PASSWORD);
    user = await signUp(t.http, uniqueEmail('events'));
    other = await signUp(t.http, uniqueEmail('other'));
    // The user: signup, then 4 sign-ins and a failed one (6 events); the other user: signup and a sign-out.
    for (let i = 0; i < 4; i += 1) await signIn(t.http, user.email);
    await http().post('/auth/signin').send({ email: user.email, password: 'wrong-passphrase-123' }).expect(401);
    await http().post('/auth/signout').set(bearer(other.accessToken)).expect(204);
  }, 30_000);

  describe('GET /auth/events', () => {
    it("200: the caller's own events only, newest first, in the documented shape", async () => {
      const response = await own(user.accessToken).expect(200);
      const events = response.body as Record<string, unknown>[];
      expect(events.map((event) => event.type)).toEqual(['signin.failed', 'signin', 'signin', 'signin', 'signin', 'signup']);
      for (const event of events) {
        expect(Object.keys(event).sort()).toEqual(OWN_KEYS);
        expect(event).toEqual({
          id: expect.any(Number),
          type: expect.any(String),
          createdAt: expect.stringMatching(ISO_8601),
          ip: '127.0.0.1',
          userAgent: null,
          sessionId: event.type === 'signin.failed' ? null : expect.stringMatching(/^[0-9a-f-]{36}$/),
        });
      }
      const stored = await t.prisma.auditEvent.findMany({ where: { userId: user.id }, orderBy: { id: 'desc' } });
      expect(ids(events as { id: number }[])).toEqual(stored.map((event) => Number(event.id)));
    });

    it('pages with take and before (the last id of the previous page)', async () => {
      const all = ids((await own(user.accessToken)).body);
      const first = await own(user.accessToken, '?take=4').expect(200);
      expect(ids(first.body)).toEqual(all.slice(0, 4));
      const second = await own(user.accessToken, `?take=4&before=${first.body[3].id}`).expect(200);
      expect(ids(second.body)).toEqual(all.slice(4));
      const past = await own(user.accessToken, `?before=${all.at(-1)}`).expect(200);
      expect(past.body).toEqual([]);
    });

    it('takes 50 by default and 100 at most', async () => {
      await t.prisma.auditEvent.createMany({ data: Array.from({ length: 120 }, () => ({ type: 'signin', userId: other.id })) });
      const otherSignin = await signIn(t.http, other.email);
      expect((await own(otherSignin.accessToken).expect(200)).body).toHaveLength(50);
      expect((await own(otherSignin.accessToken, '?take=100').expect(200)).body).toHaveLength(100);
      expect((await own(otherSignin.accessToken, '?take=1').expect(200)).body).toHaveLength(1);
    });

    it.each(
      BAD_TAKES.map((value) => `take=${value}`).concat(
        BAD_BEFORES.map((value) => `before=${value}`),
        ['take=1&take=2', 'userId=1', 'type=signin', 'skip=1'],
      ),
    )('400 for ?%s', async (query) => {
      const response = await own(user.accessToken, `?${query}`).expect(400);
      expect(response.body).toEqual({ statusCode: 400, message: expect.anything(), error: 'Bad Request' });
    });

    it('401 without a valid access token', async () => {
      await http().get('/auth/events').expect(401);
      await http().get('/auth/events').set(bearer(user.refreshToken)).expect(401);
    });
  });

  describe('GET /admin/events', () => {
    it('200: every event, newest first, in the documented shape', async () => {
      const response = await adminEvents('?take=100').expect(200);
      const stored = await t.prisma.auditEvent.findMany({ orderBy: { id: 'desc' }, take: 100 });
      expect(ids(response.body)).toEqual(stored.map((event) => Number(event.id)));
      for (const event of response.body as Record<string, unknown>[]) expect(Object.keys(event).sort()).toEqual(ADMIN_KEYS);
      const failed = await adminEvents('?type=signin.failed').expect(200);
      expect(failed.body).toHaveLength(1);
      expect(failed.body[0]).toEqual({
        id: expect.any(Number),
        type: 'signin.failed',
        createdAt: expect.stringMatching(ISO_8601),
        userId: user.id,
        sessionId: null,
        actorId: null,
        ip: '127.0.0.1',
        userAgent: null,
        detail: { reason: 'wrong_password' },
      });
    });

    it('filters by userId, by type, and by both; pages the same way', async () => {
      const byUser = await adminEvents(`?userId=${user.id}`).expect(200);
      expect(byUser.body.map((event: { userId: number }) => event.userId)).toEqual(Array(6).fill(user.id));
      const signouts = await adminEvents('?type=signout').expect(200);
      expect(signouts.body).toEqual([expect.objectContaining({ type: 'signout', userId: other.id })]);
      const userSignins = await adminEvents(`?userId=${user.id}&type=signin&take=3`).expect(200);
      expect(userSignins.body.map((event: { type: string; userId: number }) => [event.type, event.userId])).toEqual(
        Array(3).fill(['signin', user.id]),
      );
      const rest = await adminEvents(`?userId=${user.id}&type=signin&before=${userSignins.body[2].id}`).expect(200);
      expect(rest.body).toHaveLength(1);
      expect(rest.body[0].id).toBeLessThan(userSignins.body[2].id);
      expect((await adminEvents('?userId=2000000000').expect(200)).body).toEqual([]);
    });

    it("keeps a deleted user's events, findable by their id", async () => {
      const doomed = await signUp(t.http, uniqueEmail('doomed'));
      await http().delete(`/users/${doomed.id}`).set(bearer(admin.accessToken)).expect(204);
      const response = await adminEvents(`?userId=${doomed.id}`).expect(200);
      expect(response.body.map((event: { type: string }) => event.type)).toEqual(['user.deleted', 'signup']);
      expect(response.body[0]).toMatchObject({ userId: doomed.id, actorId: admin.id });
    });

    it.each(
      BAD_TAKES.map((value) => `take=${value}`).concat(
        BAD_BEFORES.map((value) => `before=${value}`),
        ['userId=0', 'userId=abc', 'userId=2147483648', 'type=login', 'type=', 'type=signin&type=signup', 'skip=1'],
      ),
    )('400 for ?%s', async (query) => {
      const response = await adminEvents(`?${query}`).expect(400);
      expect(response.body).toEqual({ statusCode: 400, message: expect.anything(), error: 'Bad Request' });
    });

    it('401 without a token, 403 for a USER', async () => {
      await http().get('/admin/events').expect(401);
      await http().get('/admin/events').set(bearer(user.accessToken)).expect(403);
    });
  });

  describe('retention (AUDIT_RETENTION, default 90 days)', () => {
    it('the clean-up job deletes events older than the retention, and only those', async () => {
      const now = Date.now();
      const old = await t.prisma.auditEvent.create({ data: { type: 'signin', userId: user.id, createdAt: new Date(now - 91 * DAY_MS) } });
      const kept = await t.prisma.auditEvent.create({ data: { type: 'signin', userId: user.id, createdAt: new Date(now - 89 * DAY_MS) } });
      const before = await t.prisma.auditEvent.count();
      await t.app.get(SessionCleanup).run();
      expect(await t.prisma.auditEvent.count({ where: { id: old.id } })).toBe(0);
      expect(await t.prisma.auditEvent.count({ where: { id: kept.id } })).toBe(1);
      expect(await t.prisma.auditEvent.count()).toBe(before - 1);
    });
  });
});
