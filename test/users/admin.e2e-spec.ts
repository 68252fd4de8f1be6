import request from 'supertest';
import { ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD, bearer, signIn, signUp, uniqueEmail, type Session } from '../support/api.js';
import { useTestApp } from '../support/test-app.js';

const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const SECRET_LEAK = /passwordHash|password_hash|\$argon2/;
// The last three name no existing user in number form: a wrongly accepted one shows as a 404, without side effects.
const BAD_IDS = ['abc', '0', '-1', '1.5', '99999999999', '2147483648', '1e9', '0x7fffffff', '+2000000000'];
const UNKNOWN_ID = 2_000_000_000;

describe('admin endpoints: /users', () => {
  const t = useTestApp({ ADMIN_EMAIL, ADMIN_PASSWORD });
  let admin: Session;
  /** Every response body of this file, checked for secrets at the end. */
  const bodies: string[] = [];

  const http = () => request(t.http);
  const keep = <T extends { text: string }>(response: T): T => {
    bodies.push(response.text ?? '');
    return response;
  };
  const signInAdmin = async () => (admin = await signIn(t.http, ADMIN_EMAIL, ADMIN_PASSWORD));
  const accessWorks = async (token: string) => (await http().get('/users/me').set(bearer(token))).status;
  const refreshWorks = async (token: string) => (await http().post('/auth/refresh').set(bearer(token))).status;
  const adminCount = () => t.prisma.user.count({ where: { role: 'ADMIN' } });
  const rootId = async () => (await t.prisma.user.findUniqueOrThrow({ where: { email: ADMIN_EMAIL } })).id;

  beforeAll(async () => {
    await signInAdmin();
  }, 30_000);

  it('the bootstrap admin signs in as ADMIN', () => {
    expect(admin.role).toBe('ADMIN');
    expect(admin.email).toBe(ADMIN_EMAIL);
  });

  describe('GET /users', () => {
    let user: Session;
    beforeAll(async () => {
      user = await signUp(t.http, uniqueEmail('lister'));
      // Enough rows to see the default page size; the hash is fake but looks like one, so a leak would show.
      await t.prisma.user.createMany({
        data: Array.from({ length: 58 }, (_, i) => ({
          email: `bulk-${String(i).padStart(2, '0')}@example.com`,
          passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$ZmFrZXNhbHQ$ZmFrZWhhc2g',
        })),
      });
    }, 30_000);

    it('200: the first 50 users ordered by id, public shape only, X-Total-Count = number of users', async () => {
      const response = keep(await http().get('/users').set(bearer(admin.accessToken)));
      expect(response.status).toBe(200);
      const total = await t.prisma.user.count();
      expect(total).toBeGreaterThan(50);
      expect(response.headers['x-total-count']).toBe(String(total));
      expect(response.body).toHaveLength(50);
      const expected = await t.prisma.user.findMany({ orderBy: { id: 'asc' }, take: 50 });
      expect(response.body).toEqual(
        expected.map((u) => ({
          id: u.id,
          email: u.email,
          role: u.role,
          emailVerified: u.emailVerified,
          mfaEnabled: u.mfaEnabled,
          createdAt: u.createdAt.toISOString(),
          updatedAt: u.updatedAt.toISOString(),
        })),
      );
      for (const item of response.body) {
        expect(Object.keys(item).sort()).toEqual(['createdAt', 'email', 'emailVerified', 'id', 'mfaEnabled', 'role', 'updatedAt']);
        expect(item.createdAt).toMatch(ISO_8601);
      }
      const ids = response.body.map((u: { id: number }) => u.id);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      expect(response.text).not.toMatch(SECRET_LEAK);
    }, 30_000);

    it('skip and take select a window of the id order; X-Total-Count stays the full count', async () => {
      const all = await t.prisma.user.findMany({ orderBy: { id: 'asc' }, select: { id: true } });
      const response = keep(await http().get('/users?skip=3&take=4').set(bearer(admin.accessToken)));
      expect(response.status).toBe(200);
      expect(response.body.map((u: { id: number }) => u.id)).toEqual(all.slice(3, 7).map((u) => u.id));
      expect(response.headers['x-total-count']).toBe(String(all.length));

      const tail = keep(
        await http()
          .get(`/users?skip=${all.length - 2}`)
          .set(bearer(admin.accessToken)),
      );
      expect(tail.status).toBe(200);
      expect(tail.body.map((u: { id: number }) => u.id)).toEqual(all.slice(-2).map((u) => u.id));

      const beyond = await http()
        .get(`/users?skip=${all.length + 10}`)
        .set(bearer(admin.accessToken));
      expect(beyond.status).toBe(200);
      expect(beyond.body).toEqual([]);
      expect(beyond.headers['x-total-count']).toBe(String(all.length));
    }, 30_000);

    it('take=0 gives an empty array (with the total)', async () => {
      const response = await http().get('/users?take=0').set(bearer(admin.accessToken));
      expect(response.status).toBe(200);
      expect(response.body).toEqual([]);
      expect(response.headers['x-total-count']).toBe(String(await t.prisma.user.count()));
    }, 30_000);

    it('take=100 is accepted and returns up to 100 users', async () => {
      const total = await t.prisma.user.count();
      const response = keep(await http().get('/users?take=100').set(bearer(admin.accessToken)));
      expect(response.status).toBe(200);
      expect(response.body).toHaveLength(Math.min(100, total));
      expect(response.body.length).toBeGreaterThan(50);
    }, 30_000);

    it.each([
      'take=101',
      'take=-1',
      'skip=-1',
      'skip=abc',
      'take=1.5',
      'take=1e2',
      'take=0x10',
      'take=',
      'take=1&take=2',
      'skip=99999999999',
      'page=2',
      'take=10&role=ADMIN',
    ])('400 for ?%s', async (query) => {
      const response = keep(await http().get(`/users?${query}`).set(bearer(admin.accessToken)));
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ statusCode: 400, error: 'Bad Request', message: expect.anything() });
      expect(response.headers['x-total-count']).toBeUndefined();
    });

    it('401 without a token or with a garbage token', async () => {
      const none = keep(await http().get('/users'));
      expect(none.status).toBe(401);
      expect(none.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
      const garbage = await http().get('/users').set(bearer('garbage'));
      expect(garbage.status).toBe(401);
    }, 30_000);

    it('403 for a USER, and no list leaks', async () => {
      const response = keep(await http().get('/users').set(bearer(user.accessToken)));
      expect(response.status).toBe(403);
      expect(response.body).toEqual({ statusCode: 403, message: expect.any(String), error: 'Forbidden' });
      expect(response.headers['x-total-count']).toBeUndefined();
    }, 30_000);

    afterAll(async () => {
      await t.prisma.user.deleteMany({ where: { email: { startsWith: 'bulk-' } } });
    }, 30_000);
  });

  describe('PATCH /users/:id/role', () => {
    it('200: promotes a USER, returns the updated public user; the target’s tokens are refused at once', async () => {
      const target = await signUp(t.http, uniqueEmail('promoted'));
      const before = await t.prisma.user.findUniqueOrThrow({ where: { id: target.id } });
      const response = keep(await http().patch(`/users/${target.id}/role`).set(bearer(admin.accessToken)).send({ role: 'ADMIN' }));
      expect(response.status).toBe(200);
      const stored = await t.prisma.user.findUniqueOrThrow({ where: { id: target.id } });
      expect(stored.role).toBe('ADMIN');
      expect(response.body).toEqual({
        id: target.id,
        email: target.email,
        role: 'ADMIN',
        emailVerified: false,
        mfaEnabled: false,
        createdAt: before.createdAt.toISOString(),
        updatedAt: stored.updatedAt.toISOString(),
      });
      expect(response.text).not.toMatch(SECRET_LEAK);

      expect(await accessWorks(target.accessToken)).toBe(401);
      expect(await refreshWorks(target.refreshToken)).toBe(401);
      expect(await t.prisma.session.count({ where: { userId: target.id, revokedAt: null } })).toBe(0);
      // The admin who made the change is untouched.
      expect(await accessWorks(admin.accessToken)).toBe(200);

      // Signing in again gives a session with the new role, which can use admin routes.
      const again = await signIn(t.http, target.email);
      expect(again.role).toBe('ADMIN');
      expect((await http().get('/users?take=1').set(bearer(again.accessToken))).status).toBe(200);

      // Demoting back is also a real change: sessions revoked again, admin routes closed.
      const demoted = keep(await http().patch(`/users/${target.id}/role`).set(bearer(admin.accessToken)).send({ role: 'USER' }));
      expect(demoted.status).toBe(200);
      expect(demoted.body).toMatchObject({ id: target.id, role: 'USER' });
      expect(await accessWorks(again.accessToken)).toBe(401);
      expect(await refreshWorks(again.refreshToken)).toBe(401);
      const asUser = await signIn(t.http, target.email);
      expect(asUser.role).toBe('USER');
      expect((await http().get('/users').set(bearer(asUser.accessToken))).status).toBe(403);
    }, 30_000);

    it('200 for an unchanged role, and the target keeps its sessions', async () => {
      const target = await signUp(t.http, uniqueEmail('same'));
      const response = keep(await http().patch(`/users/${target.id}/role`).set(bearer(admin.accessToken)).send({ role: 'USER' }));
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ id: target.id, email: target.email, role: 'USER' });
      expect(await t.prisma.session.count({ where: { userId: target.id, revokedAt: null } })).toBe(1);
      expect(await accessWorks(target.accessToken)).toBe(200);
      expect(await refreshWorks(target.refreshToken)).toBe(200);

      // An admin "promoted" to ADMIN keeps its sessions too (and it is not a last-admin conflict).
      const self = keep(await http().patch(`/users/${admin.id}/role`).set(bearer(admin.accessToken)).send({ role: 'ADMIN' }));
      expect(self.status).toBe(200);
      expect(self.body).toMatchObject({ id: admin.id, role: 'ADMIN' });
      expect(await accessWorks(admin.accessToken)).toBe(200);
    }, 30_000);

    it.each([
      ['an unknown role', { role: 'ROOT' }],
      ['a lower-case role', { role: 'admin' }],
      ['a role that is not a string', { role: 1 }],
      ['a null role', { role: null }],
      ['an extra field', { role: 'ADMIN', email: 'x@example.com' }],
      ['a missing role', {}],
    ])('400 for %s, and nothing changes', async (_, body) => {
      const target = await t.prisma.user.create({ data: { email: uniqueEmail('badbody'), passwordHash: 'x' } });
      const response = keep(await http().patch(`/users/${target.id}/role`).set(bearer(admin.accessToken)).send(body));
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      const stored = await t.prisma.user.findUniqueOrThrow({ where: { id: target.id } });
      expect(stored.role).toBe('USER');
      expect(stored.email).toBe(target.email);
      expect(stored.updatedAt).toEqual(target.updatedAt);
    });

    it('400 for a body that is not a JSON object', async () => {
      const response = await http()
        .patch(`/users/${admin.id}/role`)
        .set(bearer(admin.accessToken))
        .set('Content-Type', 'application/json')
        .send('"ADMIN"');
      expect(response.status).toBe(400);
    }, 30_000);

    it.each(BAD_IDS)('400 for the id %s', async (id) => {
      const response = keep(await http().patch(`/users/${id}/role`).set(bearer(admin.accessToken)).send({ role: 'USER' }));
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    });

    it('an exponent spelling of an existing id is a 400 and changes nobody', async () => {
      const target = await signUp(t.http, uniqueEmail('exponent'));
      try {
        const response = keep(await http().patch(`/users/${target.id}e0/role`).set(bearer(admin.accessToken)).send({ role: 'ADMIN' }));
        expect(response.status).toBe(400);
        expect((await t.prisma.user.findUniqueOrThrow({ where: { id: target.id } })).role).toBe('USER');
        expect(await accessWorks(target.accessToken)).toBe(200);
      } finally {
        // Keep the one-admin precondition of the following tests even when this one fails.
        await t.prisma.user.update({ where: { id: target.id }, data: { role: 'USER' } });
      }
    }, 30_000);

    it('404 for an unknown id', async () => {
      const response = keep(await http().patch(`/users/${UNKNOWN_ID}/role`).set(bearer(admin.accessToken)).send({ role: 'USER' }));
      expect(response.status).toBe(404);
      expect(response.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
    }, 30_000);

    it('401 without a token', async () => {
      const response = await http().patch(`/users/${admin.id}/role`).send({ role: 'USER' });
      expect(response.status).toBe(401);
      expect((await t.prisma.user.findUniqueOrThrow({ where: { id: admin.id } })).role).toBe('ADMIN');
    }, 30_000);

    it('403 for a USER (not even on itself), and nothing changes', async () => {
      const user = await signUp(t.http, uniqueEmail('climber'));
      const self = keep(await http().patch(`/users/${user.id}/role`).set(bearer(user.accessToken)).send({ role: 'ADMIN' }));
      expect(self.status).toBe(403);
      expect(self.body).toMatchObject({ statusCode: 403, error: 'Forbidden' });
      const other = await http().patch(`/users/${admin.id}/role`).set(bearer(user.accessToken)).send({ role: 'USER' });
      expect(other.status).toBe(403);
      expect((await t.prisma.user.findUniqueOrThrow({ where: { id: user.id } })).role).toBe('USER');
      expect((await t.prisma.user.findUniqueOrThrow({ where: { id: admin.id } })).role).toBe('ADMIN');
    }, 30_000);

    it('409 when demoting the only admin; the row and its sessions are unchanged', async () => {
      expect(await adminCount()).toBe(1);
      const before = await t.prisma.user.findUniqueOrThrow({ where: { id: admin.id } });
      const response = keep(await http().patch(`/users/${admin.id}/role`).set(bearer(admin.accessToken)).send({ role: 'USER' }));
      expect(response.status).toBe(409);
      expect(response.body).toEqual({ statusCode: 409, message: expect.any(String), error: 'Conflict' });
      const after = await t.prisma.user.findUniqueOrThrow({ where: { id: admin.id } });
      expect(after).toEqual(before);
      expect(await adminCount()).toBe(1);
      expect(await accessWorks(admin.accessToken)).toBe(200);
    }, 30_000);

    it('two admins: either can demote the other once; the remaining one cannot be demoted (409)', async () => {
      const second = await signUp(t.http, uniqueEmail('second-admin'));
      const root = await rootId();
      expect((await http().patch(`/users/${second.id}/role`).set(bearer(admin.accessToken)).send({ role: 'ADMIN' })).status).toBe(200);
      expect(await adminCount()).toBe(2);
      const secondAdmin = await signIn(t.http, second.email);
      expect(secondAdmin.role).toBe('ADMIN');

      // The second admin demotes root: allowed, and root's sessions are revoked.
      const demoteRoot = keep(await http().patch(`/users/${root}/role`).set(bearer(secondAdmin.accessToken)).send({ role: 'USER' }));
      expect(demoteRoot.status).toBe(200);
      expect(demoteRoot.body).toMatchObject({ id: root, role: 'USER' });
      expect(await accessWorks(admin.accessToken)).toBe(401);
      expect(await adminCount()).toBe(1);

      // The remaining admin cannot be demoted, not even by itself.
      const demoteSelf = keep(await http().patch(`/users/${second.id}/role`).set(bearer(secondAdmin.accessToken)).send({ role: 'USER' }));
      expect(demoteSelf.status).toBe(409);
      expect((await t.prisma.user.findUniqueOrThrow({ where: { id: second.id } })).role).toBe('ADMIN');
      expect(await accessWorks(secondAdmin.accessToken)).toBe(200);

      // Root, now a USER, is refused; it is promoted back and then demotes the second admin.
      const rootAsUser = await signInAdmin();
      expect(rootAsUser.role).toBe('USER');
      expect((await http().patch(`/users/${second.id}/role`).set(bearer(rootAsUser.accessToken)).send({ role: 'USER' })).status).toBe(403);
      expect((await http().patch(`/users/${root}/role`).set(bearer(secondAdmin.accessToken)).send({ role: 'ADMIN' })).status).toBe(200);
      await signInAdmin();
      expect(admin.role).toBe('ADMIN');
      const demoteSecond = await http().patch(`/users/${second.id}/role`).set(bearer(admin.accessToken)).send({ role: 'USER' });
      expect(demoteSecond.status).toBe(200);
      expect(await adminCount()).toBe(1);
      const demoteLast = await http().patch(`/users/${root}/role`).set(bearer(admin.accessToken)).send({ role: 'USER' });
      expect(demoteLast.status).toBe(409);
      expect(await adminCount()).toBe(1);
    }, 30_000);

    it('two admins demoting each other at the same moment: exactly one succeeds, an admin remains', async () => {
      const second = await signUp(t.http, uniqueEmail('rival'));
      expect((await http().patch(`/users/${second.id}/role`).set(bearer(admin.accessToken)).send({ role: 'ADMIN' })).status).toBe(200);
      const rival = await signIn(t.http, second.email);
      const root = await rootId();
      const [a, b] = await Promise.all([
        http().patch(`/users/${second.id}/role`).set(bearer(admin.accessToken)).send({ role: 'USER' }),
        http().patch(`/users/${root}/role`).set(bearer(rival.accessToken)).send({ role: 'USER' }),
      ]);
      const statuses = [a.status, b.status].sort();
      // The loser either finds the last admin (409) or has just had its own session revoked (401).
      expect(statuses[0]).toBe(200);
      expect([401, 409]).toContain(statuses[1]);
      expect(await adminCount()).toBe(1);
      // Restore root as the only admin.
      const remaining = await t.prisma.user.findFirstOrThrow({ where: { role: 'ADMIN' } });
      if (remaining.id !== root) {
        await t.prisma.user.update({ where: { id: root }, data: { role: 'ADMIN' } });
        await t.prisma.user.update({ where: { id: remaining.id }, data: { role: 'USER' } });
      }
      await signInAdmin();
      expect(await adminCount()).toBe(1);
    }, 30_000);
  });

  describe('DELETE /users/:id/sessions', () => {
    it('204: every session of the user is revoked; the user remains and can sign in again', async () => {
      const first = await signUp(t.http, uniqueEmail('everywhere'));
      const second = await signIn(t.http, first.email);
      const bystander = await signUp(t.http, uniqueEmail('bystander'));
      expect(await accessWorks(first.accessToken)).toBe(200);

      const response = keep(await http().delete(`/users/${first.id}/sessions`).set(bearer(admin.accessToken)));
      expect(response.status).toBe(204);
      expect(response.text).toBe('');

      for (const session of [first, second]) {
        expect(await accessWorks(session.accessToken)).toBe(401);
        expect(await refreshWorks(session.refreshToken)).toBe(401);
      }
      expect(await t.prisma.session.count({ where: { userId: first.id } })).toBe(2);
      expect(await t.prisma.session.count({ where: { userId: first.id, revokedAt: null } })).toBe(0);
      // Nobody else is signed out.
      expect(await accessWorks(bystander.accessToken)).toBe(200);
      expect(await accessWorks(admin.accessToken)).toBe(200);
      // The account itself is untouched.
      expect((await t.prisma.user.findUniqueOrThrow({ where: { id: first.id } })).role).toBe('USER');
      const again = await signIn(t.http, first.email);
      expect(await accessWorks(again.accessToken)).toBe(200);
    }, 30_000);

    it('204 for a user without sessions', async () => {
      const target = await t.prisma.user.create({ data: { email: uniqueEmail('nosessions'), passwordHash: 'x' } });
      expect((await http().delete(`/users/${target.id}/sessions`).set(bearer(admin.accessToken))).status).toBe(204);
    }, 30_000);

    it('a signed spelling of an existing id is a 400 and signs nobody out', async () => {
      const target = await signUp(t.http, uniqueEmail('plus'));
      const response = keep(await http().delete(`/users/+${target.id}/sessions`).set(bearer(admin.accessToken)));
      expect(response.status).toBe(400);
      expect(await accessWorks(target.accessToken)).toBe(200);
    }, 30_000);

    it('404 for an unknown user', async () => {
      const response = keep(await http().delete(`/users/${UNKNOWN_ID}/sessions`).set(bearer(admin.accessToken)));
      expect(response.status).toBe(404);
      expect(response.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
    }, 30_000);

    it.each(BAD_IDS)(
      '400 for the id %s',
      async (id) => {
        const response = keep(await http().delete(`/users/${id}/sessions`).set(bearer(admin.accessToken)));
        expect(response.status).toBe(400);
        expect(response.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      },
      30_000,
    );

    it('401 without a token, 403 for a USER; sessions untouched', async () => {
      const user = await signUp(t.http, uniqueEmail('not-admin'));
      expect((await http().delete(`/users/${admin.id}/sessions`)).status).toBe(401);
      const forbidden = keep(await http().delete(`/users/${admin.id}/sessions`).set(bearer(user.accessToken)));
      expect(forbidden.status).toBe(403);
      expect(await accessWorks(admin.accessToken)).toBe(200);
    }, 30_000);
  });

  describe('DELETE /users/:id', () => {
    it('204: the user and their sessions are gone, their tokens get 401', async () => {
      const target = await signUp(t.http, uniqueEmail('deleted'));
      const other = await signIn(t.http, target.email);
      const response = keep(await http().delete(`/users/${target.id}`).set(bearer(admin.accessToken)));
      expect(response.status).toBe(204);
      expect(response.text).toBe('');
      expect(await t.prisma.user.findUnique({ where: { id: target.id } })).toBeNull();
      expect(await t.prisma.session.count({ where: { userId: target.id } })).toBe(0);
      for (const session of [target, other]) {
        expect(await accessWorks(session.accessToken)).toBe(401);
        expect(await refreshWorks(session.refreshToken)).toBe(401);
      }
      const signin = await http().post('/auth/signin').send({ email: target.email, password: PASSWORD });
      expect(signin.status).toBe(401);
      // Gone means gone: a second delete is a 404.
      expect((await http().delete(`/users/${target.id}`).set(bearer(admin.accessToken))).status).toBe(404);
    }, 30_000);

    it('a non-decimal spelling of an existing id is a 400 and deletes nothing', async () => {
      const target = await signUp(t.http, uniqueEmail('hex'));
      const response = keep(
        await http()
          .delete(`/users/0x${target.id.toString(16)}`)
          .set(bearer(admin.accessToken)),
      );
      expect(response.status).toBe(400);
      expect(await t.prisma.user.findUnique({ where: { id: target.id } })).not.toBeNull();
      expect(await accessWorks(target.accessToken)).toBe(200);
    }, 30_000);

    it('404 for an unknown id', async () => {
      const users = await t.prisma.user.count();
      const response = keep(await http().delete(`/users/${UNKNOWN_ID}`).set(bearer(admin.accessToken)));
      expect(response.status).toBe(404);
      expect(response.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
      expect(await t.prisma.user.count()).toBe(users);
    }, 30_000);

    it('409 when deleting the last admin; it stays, signed in', async () => {
      expect(await adminCount()).toBe(1);
      const response = keep(await http().delete(`/users/${admin.id}`).set(bearer(admin.accessToken)));
      expect(response.status).toBe(409);
      expect(response.body).toEqual({ statusCode: 409, message: expect.any(String), error: 'Conflict' });
      expect(await t.prisma.user.findUnique({ where: { id: admin.id } })).not.toBeNull();
      expect(await accessWorks(admin.accessToken)).toBe(200);
    }, 30_000);

    it('an admin can be deleted while another admin remains', async () => {
      const extra = await signUp(t.http, uniqueEmail('extra-admin'));
      expect((await http().patch(`/users/${extra.id}/role`).set(bearer(admin.accessToken)).send({ role: 'ADMIN' })).status).toBe(200);
      expect(await adminCount()).toBe(2);
      expect((await http().delete(`/users/${extra.id}`).set(bearer(admin.accessToken))).status).toBe(204);
      expect(await adminCount()).toBe(1);
    }, 30_000);

    it('401 without a token, 403 for a USER; nobody is deleted', async () => {
      const user = await signUp(t.http, uniqueEmail('would-delete'));
      const victim = await signUp(t.http, uniqueEmail('victim'));
      expect((await http().delete(`/users/${victim.id}`)).status).toBe(401);
      const forbidden = keep(await http().delete(`/users/${victim.id}`).set(bearer(user.accessToken)));
      expect(forbidden.status).toBe(403);
      expect(forbidden.body).toMatchObject({ statusCode: 403, error: 'Forbidden' });
      expect((await http().delete(`/users/${user.id}`).set(bearer(user.accessToken))).status).toBe(403);
      expect(await t.prisma.user.findUnique({ where: { id: victim.id } })).not.toBeNull();
      expect(await t.prisma.user.findUnique({ where: { id: user.id } })).not.toBeNull();
      expect(await accessWorks(victim.accessToken)).toBe(200);
    }, 30_000);

    it.each(BAD_IDS)(
      '400 for the id %s',
      async (id) => {
        const users = await t.prisma.user.count();
        const response = keep(await http().delete(`/users/${id}`).set(bearer(admin.accessToken)));
        expect(response.status).toBe(400);
        expect(response.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
        expect(await t.prisma.user.count()).toBe(users);
      },
      30_000,
    );
  });

  it('no response body of this file held a password, a password hash or an argon2 string', async () => {
    const list = keep(await http().get('/users?take=100').set(bearer(admin.accessToken)));
    expect(list.status).toBe(200);
    // The rows do hold argon2 hashes, so the check below would see a leak.
    expect((await t.prisma.user.findUniqueOrThrow({ where: { id: admin.id } })).passwordHash).toMatch(/^\$argon2id\$/);
    expect(bodies.length).toBeGreaterThan(40);
    for (const body of bodies) {
      expect(body).not.toMatch(SECRET_LEAK);
      expect(body).not.toContain(ADMIN_PASSWORD);
      expect(body).not.toContain(PASSWORD);
    }
  }, 30_000);
});
