import request from 'supertest';
import { signUp, bearer } from '../support/api.js';
import { useTestApp, type TestApp } from '../support/test-app.js';

const EVIL = 'https://evil.example';
const APP = 'https://app.example.com';
const ADMIN_APP = 'https://admin.example.com';

/** Every CORS response header that could grant a cross-origin reader anything. */
function expectNoCorsGrant(response: request.Response): void {
  expect(response.headers['access-control-allow-origin']).toBeUndefined();
  expect(response.headers['access-control-allow-credentials']).toBeUndefined();
  expect(response.headers['access-control-allow-methods']).toBeUndefined();
  expect(response.headers['access-control-allow-headers']).toBeUndefined();
  expect(response.headers['access-control-expose-headers']).toBeUndefined();
}

/** helmet's defaults as configured for an API. */
function expectSecurityHeaders(response: request.Response): void {
  expect(response.headers['x-content-type-options']).toBe('nosniff');
  expect(response.headers['x-powered-by']).toBeUndefined();
  const hsts = response.headers['strict-transport-security'];
  expect(hsts).toMatch(/max-age=(\d+)/);
  expect(Number(/max-age=(\d+)/.exec(hsts)![1])).toBeGreaterThanOrEqual(15_552_000); // 180 days
  expect(hsts).toMatch(/includeSubDomains/i);
  const frameOptions = response.headers['x-frame-options'];
  const csp: string = response.headers['content-security-policy'] ?? '';
  expect(frameOptions === 'DENY' || frameOptions === 'SAMEORIGIN' || /frame-ancestors 'none'/.test(csp)).toBe(true);
  // An API's responses are data, not documents: nothing may be loaded or framed from them.
  expect(csp).toMatch(/default-src 'none'/);
  expect(csp).toMatch(/frame-ancestors 'none'/);
  expect(response.headers['referrer-policy']).toBe('no-referrer');
  expect(response.headers['cross-origin-resource-policy']).toBe('same-origin');
}

/** A browser's preflight for a cross-origin JSON sign-in with a bearer token. */
const preflightSignin = (t: TestApp, origin: string) =>
  request(t.http)
    .options('/auth/signin')
    .set('Origin', origin)
    .set('Access-Control-Request-Method', 'POST')
    .set('Access-Control-Request-Headers', 'content-type,authorization');

describe('no CORS by default', () => {
  const t = useTestApp();

  it('a request from another origin gets no Access-Control-* header (the browser withholds the answer)', async () => {
    const user = await signUp(t.http);
    const response = await request(t.http).get('/users/me').set('Origin', EVIL).set(bearer(user.accessToken));
    expect(response.status).toBe(200);
    expectNoCorsGrant(response);
    expectSecurityHeaders(response);
  });

  it('a sign-in from another origin gets no Access-Control-* header', async () => {
    const response = await request(t.http)
      .post('/auth/signin')
      .set('Origin', EVIL)
      .send({ email: 'x@example.com', password: 'not-the-password' });
    expect(response.status).toBe(401);
    expectNoCorsGrant(response);
  });

  it('a preflight from another origin is not answered with a grant', async () => {
    const response = await preflightSignin(t, EVIL);
    expect(response.status).toBe(404);
    expectNoCorsGrant(response);
    expectSecurityHeaders(response);
  });

  it('the security headers are on every kind of response: 200, 401, 404, 413, 415', async () => {
    const responses = [
      await request(t.http).get('/health'),
      await request(t.http).get('/users/me'),
      await request(t.http).get('/nope'),
      await request(t.http)
        .post('/auth/signup')
        .set('Content-Type', 'application/json')
        .send(JSON.stringify({ padding: 'x'.repeat(17_000) })),
      await request(t.http).post('/auth/signup').set('Content-Type', 'text/plain').send('hello'),
    ];
    expect(responses.map((r) => r.status)).toEqual([200, 401, 404, 413, 415]);
    for (const response of responses) expectSecurityHeaders(response);
  });
});

describe(`CORS_ORIGINS='${APP},${ADMIN_APP}'`, () => {
  const t = useTestApp({ CORS_ORIGINS: `${APP},${ADMIN_APP}` });

  it.each([APP, ADMIN_APP])('an allowed origin (%s) gets its origin echoed, without credentials', async (origin) => {
    const user = await signUp(t.http);
    const response = await request(t.http).get('/users/me').set('Origin', origin).set(bearer(user.accessToken));
    expect(response.status).toBe(200);
    expect(response.headers['access-control-allow-origin']).toBe(origin);
    expect(response.headers['access-control-allow-credentials']).toBeUndefined();
    expect(response.headers.vary).toMatch(/Origin/i);
    // The headers a frontend needs to read.
    const exposed = String(response.headers['access-control-expose-headers']).toLowerCase();
    expect(exposed).toContain('x-request-id');
    expect(exposed).toContain('retry-after');
    expectSecurityHeaders(response);
  });

  it('a preflight from an allowed origin: 204 with the origin, POST and the requested headers allowed, no credentials', async () => {
    const response = await preflightSignin(t, APP);
    expect(response.status).toBe(204);
    expect(response.headers['access-control-allow-origin']).toBe(APP);
    expect(response.headers['access-control-allow-credentials']).toBeUndefined();
    expect(String(response.headers['access-control-allow-methods'])).toMatch(/POST/);
    const allowedHeaders = String(response.headers['access-control-allow-headers']).toLowerCase();
    expect(allowedHeaders).toContain('content-type');
    expect(allowedHeaders).toContain('authorization');
  });

  it.each([
    EVIL,
    'https://app.example.com.evil.example',
    'https://evilapp.example.com',
    'http://app.example.com',
    'https://app.example.com:8443',
    'null',
  ])('another origin (%s) gets no Access-Control-Allow-Origin, on a request or a preflight', async (origin) => {
    const response = await request(t.http)
      .post('/auth/signin')
      .set('Origin', origin)
      .send({ email: 'x@example.com', password: 'not-the-password' });
    expect(response.status).toBe(401);
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
    expect(response.headers['access-control-allow-credentials']).toBeUndefined();

    const preflight = await request(t.http)
      .options('/auth/signin')
      .set('Origin', origin)
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'content-type');
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    expect(preflight.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('a request without Origin (curl, server to server) still works and is not given a wildcard', async () => {
    const response = await request(t.http).get('/health');
    expect(response.status).toBe(200);
    expect(response.headers['access-control-allow-origin']).not.toBe('*');
  });
});
