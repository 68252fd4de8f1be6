import request from 'supertest';
import { ADMIN_EMAIL, ADMIN_PASSWORD, bearer, signIn, signUp, type Session } from '../support/api.js';
import { useTestApp } from '../support/test-app.js';
import { expectCleanResponse, expectNothingWritten, nestedArrays } from './helpers.js';

const json = JSON.stringify;

describe('hostile input: PATCH /users/:id/role and admin ids', () => {
  const t = useTestApp({ ADMIN_EMAIL, ADMIN_PASSWORD, TRUST_PROXY: '1' });
  let admin: Session;
  let victim: Session;

  beforeAll(async () => {
    admin = await signIn(t.http, ADMIN_EMAIL, ADMIN_PASSWORD);
    victim = await signUp(t.http);
  });

  afterAll(() => {
    // The app runs in this process: a polluted prototype would show here.
    expect(({} as Record<string, unknown>).role).toBeUndefined();
  });

  describe('admin routes, called by the admin', () => {
    const patch = (id: string | number, body: string, contentType: string) =>
      request(t.http).patch(`/users/${id}/role`).set(bearer(admin.accessToken)).set('Content-Type', contentType).send(body);

    const ROLE_CASES: Array<[string, number, string, string]> = [
      ['malformed JSON', 400, '{"role":', 'application/json'],
      ['an empty body', 400, '', 'application/json'],
      ['a JSON array', 400, json([{ role: 'ADMIN' }]), 'application/json'],
      ['JSON null', 400, 'null', 'application/json'],
      ['a JSON string', 400, json('ADMIN'), 'application/json'],
      ['a JSON number', 400, '1', 'application/json'],
      ['a text/plain body', 415, json({ role: 'ADMIN' }), 'text/plain'],
      ['a form body', 415, 'role=ADMIN', 'application/x-www-form-urlencoded'],
      ['a body over 16 KiB', 413, json({ role: 'ADMIN', padding: 'x'.repeat(16 * 1024) }), 'application/json'],
      ['__proto__ holding the role', 400, '{"__proto__":{"role":"ADMIN"}}', 'application/json'],
      ['constructor.prototype holding the role', 400, '{"constructor":{"prototype":{"role":"ADMIN"}}}', 'application/json'],
      ['a lower-case role', 400, json({ role: 'admin' }), 'application/json'],
      ['a role array', 400, json({ role: ['ADMIN'] }), 'application/json'],
      ['a role object', 400, json({ role: { toString: 'ADMIN' } }), 'application/json'],
      ['a NUL byte after the role', 400, json({ role: 'ADMIN\u0000' }), 'application/json'],
      ['an unknown field next to the role', 400, json({ role: 'ADMIN', email: 'x@example.com' }), 'application/json'],
      ['a role nested 3,000 arrays deep', 400, `{"role":${nestedArrays(3000)}}`, 'application/json'],
    ];

    it.each(ROLE_CASES)('%s: %i, no role changes', async (_name, status, body, contentType) => {
      const response = await expectNothingWritten(t, () => patch(victim.id, body, contentType));
      expect(response.status).toBe(status);
      expectCleanResponse(response);
    });

    it.each(['0', '-1', '1.5', '2147483648', '99999999999999999999', 'abc', '1abc', "1' OR '1'='1", '%00'])(
      'the id %p: 400, no role changes',
      async (id) => {
        const response = await expectNothingWritten(t, () => patch(encodeURIComponent(id), json({ role: 'ADMIN' }), 'application/json'));
        expect(response.status).toBe(400);
        expectCleanResponse(response);
      },
    );

    /** Spellings of an existing user's id that are not plain decimal digits: the id must be refused, not coerced. */
    const ALIASES: Array<[string, (id: number) => string]> = [
      ['hexadecimal (0x..)', (id) => `0x${id.toString(16)}`],
      ['a leading space', (id) => ` ${id}`],
      ['a leading plus', (id) => `+${id}`],
      ['a leading zero', (id) => `0${id}`],
      ['exponent notation (..e0)', (id) => `${id}e0`],
      ['a trailing .0', (id) => `${id}.0`],
      ['binary (0b..)', (id) => `0b${id.toString(2)}`],
    ];

    it.each(ALIASES)("PATCH /users/:id/role with an existing user's id in %s: 400, the user stays USER", async (_name, alias) => {
      const target = await signUp(t.http);
      const response = await expectNothingWritten(t, () =>
        patch(encodeURIComponent(alias(target.id)), json({ role: 'ADMIN' }), 'application/json'),
      );
      expect(response.status).toBe(400);
      expectCleanResponse(response);
    });

    it.each(ALIASES)("DELETE /users/:id with an existing user's id in %s: 400, the user is not deleted", async (_name, alias) => {
      const target = await signUp(t.http);
      const response = await expectNothingWritten(t, () =>
        request(t.http)
          .delete(`/users/${encodeURIComponent(alias(target.id))}`)
          .set(bearer(admin.accessToken)),
      );
      expect(response.status).toBe(400);
      expectCleanResponse(response);
    });

    it.each(ALIASES)("DELETE /users/:id/sessions with an existing user's id in %s: 400, no session is revoked", async (_name, alias) => {
      const target = await signUp(t.http);
      const response = await expectNothingWritten(t, () =>
        request(t.http)
          .delete(`/users/${encodeURIComponent(alias(target.id))}/sessions`)
          .set(bearer(admin.accessToken)),
      );
      expect(response.status).toBe(400);
      expectCleanResponse(response);
    });

    it('a USER sending a valid body: 403, no role changes', async () => {
      const response = await expectNothingWritten(t, () =>
        request(t.http).patch(`/users/${victim.id}/role`).set(bearer(victim.accessToken)).send({ role: 'ADMIN' }),
      );
      expect(response.status).toBe(403);
      expectCleanResponse(response);
    });
  });
});
