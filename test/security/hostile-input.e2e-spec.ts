import { request as httpRequest, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import request from 'supertest';
import { ADMIN_EMAIL, ADMIN_PASSWORD, bearer, signUp, uniqueEmail, PASSWORD, type Session } from '../support/api.js';
import { useTestApp } from '../support/test-app.js';
import { expectCleanResponse, expectNothingWritten, nestedArrays, nestedObjects, rawPost, snapshot } from './helpers.js';

interface BodyCase {
  name: string;
  status: number;
  /** The raw body and content type, given the credentials a request would otherwise succeed with. */
  body: (email: string, password: string) => string;
  contentType?: string;
}

const json = JSON.stringify;

/** Hostile bodies for POST /auth/signup and /auth/signin, built around credentials that would otherwise work. */
const CREDENTIAL_CASES: BodyCase[] = [
  { name: 'malformed JSON', status: 400, body: (email) => `{"email":"${email}","password":` },
  { name: 'an empty body with a JSON content type', status: 400, body: () => '' },
  { name: 'a JSON array of the credentials', status: 400, body: (email, password) => json([{ email, password }]) },
  { name: 'JSON null', status: 400, body: () => 'null' },
  { name: 'a JSON string', status: 400, body: (email) => json(email) },
  { name: 'a JSON number', status: 400, body: () => '42' },
  { name: 'a JSON boolean', status: 400, body: () => 'true' },
  { name: 'a text/plain body', status: 415, contentType: 'text/plain', body: (email, password) => json({ email, password }) },
  {
    name: 'a form-urlencoded body',
    status: 415,
    contentType: 'application/x-www-form-urlencoded',
    body: (email, password) => new URLSearchParams({ email, password }).toString(),
  },
  {
    name: 'a multipart body',
    status: 415,
    contentType: 'multipart/form-data; boundary=X',
    body: (email, password) =>
      `--X\r\nContent-Disposition: form-data; name="email"\r\n\r\n${email}\r\n--X\r\nContent-Disposition: form-data; name="password"\r\n\r\n${password}\r\n--X--\r\n`,
  },
  { name: 'a body over 16 KiB', status: 413, body: (email, password) => json({ email, password, padding: 'x'.repeat(16 * 1024) }) },
  {
    name: 'a password of 100,000 characters (over the 16 KiB body limit: 413 before parsing)',
    status: 413,
    body: (email) => json({ email, password: 'p'.repeat(100_000) }),
  },
  {
    name: 'a password of 16,000 characters (within the body limit)',
    status: 400,
    body: (email) => json({ email, password: 'p'.repeat(16_000) }),
  },
  { name: 'a password of 129 code points (emoji)', status: 400, body: (email) => json({ email, password: '\u{1F600}'.repeat(129) }) },
  {
    name: '__proto__ with role ADMIN',
    status: 400,
    body: (email, password) => `{"__proto__":{"role":"ADMIN"},"email":${json(email)},"password":${json(password)}}`,
  },
  {
    name: 'constructor.prototype with role ADMIN',
    status: 400,
    body: (email, password) => `{"constructor":{"prototype":{"role":"ADMIN"}},"email":${json(email)},"password":${json(password)}}`,
  },
  { name: 'an unknown field role: ADMIN', status: 400, body: (email, password) => json({ email, password, role: 'ADMIN' }) },
  { name: 'a NUL byte in a key', status: 400, body: (email, password) => json({ email, password, 'email\u0000': email }) },
  { name: 'email as an object (operator injection)', status: 400, body: (_email, password) => json({ email: { $gt: '' }, password }) },
  { name: 'email as an array', status: 400, body: (email, password) => json({ email: [email], password }) },
  { name: 'email as a number', status: 400, body: (_email, password) => json({ email: 12345, password }) },
  { name: 'email null', status: 400, body: (_email, password) => json({ email: null, password }) },
  { name: 'password as a number', status: 400, body: (email) => json({ email, password: 12345678 }) },
  { name: 'password as an object', status: 400, body: (email) => json({ email, password: { toString: 'x' } }) },
  { name: 'a missing password', status: 400, body: (email) => json({ email }) },
  { name: 'a NUL byte in the email', status: 400, body: (email, password) => json({ email: email.replace('@', '\u0000@'), password }) },
  { name: 'a NUL byte in the password', status: 400, body: (email, password) => json({ email, password: `${password}\u0000` }) },
  {
    name: 'an email over 254 characters',
    status: 400,
    body: (_email, password) => json({ email: `${'a'.repeat(60)}@${'b'.repeat(190)}.com`, password }),
  },
  {
    name: 'an email local part over 64 characters',
    status: 400,
    body: (_email, password) => json({ email: `${'a'.repeat(65)}@example.com`, password }),
  },
  { name: 'SQL in the email', status: 400, body: (_email, password) => json({ email: "' OR 1=1; DROP TABLE users; --", password }) },
  {
    name: 'email nested 3,000 arrays deep (6 KB)',
    status: 400,
    body: (_email, password) => `{"email":${nestedArrays(3000)},"password":${json(password)}}`,
  },
  {
    name: 'email nested 2,500 objects deep (15 KB)',
    status: 400,
    body: (_email, password) => `{"email":${nestedObjects(2500)},"password":${json(password)}}`,
  },
];

describe('hostile input: bodies of POST /auth/signup and /auth/signin', () => {
  const t = useTestApp({ ADMIN_EMAIL, ADMIN_PASSWORD, TRUST_PROXY: '1' });
  let victim: Session;

  beforeAll(async () => {
    victim = await signUp(t.http);
  });

  afterAll(() => {
    // The app runs in this process: a polluted prototype would show here.
    expect(({} as Record<string, unknown>).role).toBeUndefined();
    expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'role')).toBe(false);
  });

  describe.each(CREDENTIAL_CASES)('$name', ({ status, body, contentType }) => {
    it(`POST /auth/signup: ${status}, nothing written`, async () => {
      const response = await expectNothingWritten(t, () => rawPost(t, '/auth/signup', body(uniqueEmail('hostile'), PASSWORD), contentType));
      expect(response.status).toBe(status);
      expectCleanResponse(response);
    });

    it(`POST /auth/signin (with the right credentials inside): ${status}, nothing written`, async () => {
      const response = await expectNothingWritten(t, () => rawPost(t, '/auth/signin', body(victim.email, PASSWORD), contentType));
      expect(response.status).toBe(status);
      expectCleanResponse(response);
    });
  });

  it('a streamed (chunked) body over 16 KiB: 413, nothing written', async () => {
    const before = await snapshot(t);
    const server = await new Promise<Server>((resolve) => t.http.listen(0, '127.0.0.1', () => resolve(t.http)));
    try {
      const { port } = server.address() as AddressInfo;
      const result = await new Promise<{ status: number; headers: Record<string, unknown>; text: string }>((resolve, reject) => {
        const req = httpRequest(
          {
            host: '127.0.0.1',
            port,
            method: 'POST',
            path: '/auth/signup',
            headers: { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' },
          },
          (res) => {
            let text = '';
            res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
          },
        );
        req.on('error', reject);
        req.write(`{"email":${json(uniqueEmail('chunked'))},"password":"${PASSWORD}","padding":"`);
        for (let i = 0; i < 20; i++) req.write('x'.repeat(1024));
        req.end('"}');
      });
      expect(result.status).toBe(413);
      expect(result.headers['x-content-type-options']).toBe('nosniff');
      expect(JSON.parse(result.text)).toMatchObject({ statusCode: 413 });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect(await snapshot(t)).toEqual(before);
  });

  it('no user gained the role ADMIN from the __proto__ / constructor bodies, and the prototype is clean', async () => {
    const admins = await t.prisma.user.findMany({ where: { role: 'ADMIN' } });
    expect(admins.map((u) => u.email)).toEqual([ADMIN_EMAIL]);
    expect(({} as Record<string, unknown>).role).toBeUndefined();
    expect(({} as Record<string, unknown>).constructor).toBe(Object);
    const me = await request(t.http).get('/users/me').set(bearer(victim.accessToken));
    expect(me.status).toBe(200);
    expect(me.body.role).toBe('USER');
  });
});
