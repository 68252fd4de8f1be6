import request from 'supertest';
import { bearer, signUp } from '../support/api.js';
import { useTestApp, type TestApp } from '../support/test-app.js';

interface Response {
  description: string;
  headers?: Record<string, unknown>;
  content?: { 'application/json'?: { schema: Record<string, unknown> } };
}
interface Operation {
  responses: Record<string, Response>;
  requestBody?: { content: { 'application/json': { schema: { $ref?: string } } } };
  security?: Record<string, string[]>[];
  'x-required-roles'?: string[];
  'x-required-amr'?: string[];
}
interface Schema {
  properties: Record<string, Record<string, unknown>>;
  required?: string[];
}
interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema>; securitySchemes: Record<string, Record<string, string>> };
}

/**
 * The statuses that docs/API.md gives each endpoint, the Limits section's 429s included. Every API
 * operation must be listed here, and every one of these statuses must be in the document. Besides these,
 * every operation documents 503 (the database is down) and every JSON body 413 and 415 (Limits).
 */
const CONTRACT: Record<string, number[]> = {
  'POST /auth/signup': [201, 400, 409, 429],
  'POST /auth/signin': [200, 400, 401, 429],
  'POST /auth/signin/mfa': [200, 400, 401, 429],
  'POST /auth/refresh': [200, 401, 429],
  'POST /auth/signout': [204, 401],
  'POST /auth/signout/all': [204, 401],
  'POST /auth/password': [204, 400, 401, 429],
  'POST /auth/password/forgot': [202, 400, 429],
  'POST /auth/password/reset': [204, 400],
  'POST /auth/email/verify': [204, 400],
  'POST /auth/email/verify/resend': [204, 401, 409, 429],
  'GET /auth/sessions': [200, 401],
  'DELETE /auth/sessions/{id}': [204, 401, 404],
  'GET /auth/events': [200, 400, 401],
  'POST /auth/mfa/totp/setup': [200, 401, 409],
  'POST /auth/mfa/totp/enable': [200, 400, 401, 409],
  'POST /auth/mfa/totp/disable': [204, 400, 401, 403, 409],
  'POST /auth/mfa/recovery-codes': [200, 400, 401, 403, 409],
  'DELETE /users/{id}/mfa': [204, 400, 401, 403, 404, 409],
  'GET /users/me': [200, 401],
  'GET /users': [200, 400, 401, 403],
  'PATCH /users/{id}/role': [200, 400, 401, 403, 404, 409],
  'DELETE /users/{id}/sessions': [204, 400, 401, 403, 404],
  'DELETE /users/{id}': [204, 400, 401, 403, 404, 409],
  'GET /admin/events': [200, 400, 401, 403],
  'GET /health': [200, 503],
  'GET /.well-known/jwks.json': [200],
};
/** Operations that never touch the database, so have no 503. */
const WITHOUT_DATABASE = ['GET /.well-known/jwks.json'];
const WITH_JSON_BODY = [
  'POST /auth/signup',
  'POST /auth/signin',
  'POST /auth/signin/mfa',
  'POST /auth/password',
  'POST /auth/password/forgot',
  'POST /auth/password/reset',
  'POST /auth/email/verify',
  'PATCH /users/{id}/role',
  'POST /auth/mfa/totp/enable',
  'POST /auth/mfa/totp/disable',
  'POST /auth/mfa/recovery-codes',
];
const PUBLIC = [
  'POST /auth/signup',
  'POST /auth/signin',
  'POST /auth/signin/mfa',
  'POST /auth/password/forgot',
  'POST /auth/password/reset',
  'POST /auth/email/verify',
  'GET /health',
  'GET /.well-known/jwks.json',
];
const ADMIN_ONLY = [
  'GET /users',
  'PATCH /users/{id}/role',
  'DELETE /users/{id}/sessions',
  'DELETE /users/{id}',
  'DELETE /users/{id}/mfa',
  'GET /admin/events',
];
/** @RequireMfa(): a session signed in with a second factor (amr "otp"), named by the x-required-amr extension. */
const MFA_SESSION_ONLY = ['POST /auth/mfa/totp/disable', 'POST /auth/mfa/recovery-codes'];

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];

/**
 * Not API operations, so not compared: the docs' own routes (Swagger UI's page and files, the JSON document),
 * and GET /demo with its files, the demo web page (an HTML page, whose own tests are elsewhere).
 */
const isOutsideApi = (path: string) => /^\/docs(-json)?(\/|$)/.test(path) || /^\/demo(\/|$)/.test(path);

/**
 * Every route the running Fastify instance serves, as "METHOD /path/{param}", read from its route tree
 * (`printRoutes({ commonPrefix: false })`): one node per line, `├── segment (METHODS)`, indented four columns
 * per level below its parent; a route's path is its ancestors' segments joined. Any other line fails the test.
 */
function servedRoutes(tree: string): string[] {
  const segments: string[] = [];
  const routes: string[] = [];
  for (const line of tree.split('\n').filter((text) => text.trim() !== '')) {
    const node = /^((?:│ {3}| {4})*)[├└]── (\S+)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!node) throw new Error(`unexpected line in Fastify's route tree: ${JSON.stringify(line)}`);
    segments.length = node[1].length / 4;
    segments.push(node[2]);
    const path = segments.join('').replace(/:(\w+)/g, '{$1}');
    for (const method of node[3]?.split(', ') ?? []) routes.push(`${method} ${path}`);
  }
  return routes;
}

function documentedOperations(document: OpenApiDocument): [string, Operation][] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => HTTP_METHODS.includes(method))
      .map(([method, operation]): [string, Operation] => [`${method.toUpperCase()} ${path}`, operation]),
  );
}

/** A request for a documented operation, its path parameters filled in. */
function call(t: TestApp, route: string) {
  const [method, path] = route.split(' ');
  const url = path.replace('/auth/sessions/{id}', '/auth/sessions/00000000-0000-4000-8000-000000000000').replace('{id}', '1');
  return request(t.http)[method.toLowerCase() as 'get' | 'post' | 'patch' | 'delete'](url);
}

function cspDirectives(header: string | undefined): Map<string, string[]> {
  expect(header).toBeDefined();
  return new Map(
    header!
      .split(';')
      .map((directive) => directive.trim().split(/\s+/))
      .filter(([name]) => name !== '')
      .map(([name, ...values]): [string, string[]] => [name, values]),
  );
}

describe('OpenAPI document: GET /docs-json, Swagger UI at GET /docs', () => {
  // Not the default, so that the document is seen to state the minimum in force.
  const t = useTestApp({ PASSWORD_MIN_LENGTH: '10' });
  let document: OpenApiDocument;
  let apiOperations: [string, Operation][];
  beforeAll(async () => {
    const response = await request(t.http).get('/docs-json');
    document = response.body as OpenApiDocument;
    apiOperations = documentedOperations(document).filter(([route]) => !isOutsideApi(route.split(' ')[1]));
  });

  it('serves an OpenAPI 3 JSON document without a token', async () => {
    const response = await request(t.http).get('/docs-json');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.body.openapi).toMatch(/^3\.\d+\.\d+$/);
    expect(response.body.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
  });

  it('documents every route the application serves, and no route that it does not serve', () => {
    const tree = t.app.getHttpAdapter().getInstance().printRoutes({ commonPrefix: false });
    const served = servedRoutes(tree).filter((route) => {
      const [method, path] = route.split(' ');
      // HEAD is Fastify's automatic twin of each GET; OPTIONS would be CORS preflight.
      return method !== 'HEAD' && method !== 'OPTIONS' && !isOutsideApi(path);
    });
    // The parser read the tree: routes of every controller are there.
    expect(served).toEqual(
      expect.arrayContaining(['GET /health', 'POST /auth/signin', 'DELETE /auth/sessions/{id}', 'PATCH /users/{id}/role']),
    );
    const documented = apiOperations.map(([route]) => route);

    expect(served.filter((route) => !documented.includes(route))).toEqual([]);
    expect(documented.filter((route) => !served.includes(route))).toEqual([]);
    expect(new Set(documented).size).toBe(documented.length);
  });

  it('lists every status of the contract for every operation, with a body schema', () => {
    expect(apiOperations.map(([route]) => route).sort()).toEqual(Object.keys(CONTRACT).sort());
    for (const [route, operation] of apiOperations) {
      const statuses = Object.keys(operation.responses).map(Number);
      const expected = [
        ...CONTRACT[route],
        ...(WITHOUT_DATABASE.includes(route) ? [] : [503]),
        ...(WITH_JSON_BODY.includes(route) ? [413, 415] : []),
      ];
      expect({ route, statuses }).toEqual({ route, statuses: expect.arrayContaining(expected) });

      for (const [status, response] of Object.entries(operation.responses)) {
        expect({ route, status, description: response.description }).toEqual({ route, status, description: expect.stringMatching(/\S/) });
        const schema = response.content?.['application/json']?.schema;
        if (status === '204') {
          expect({ route, status, content: response.content }).toEqual({ route, status, content: undefined });
        } else if (Number(status) >= 400 && route !== 'GET /health') {
          expect({ route, status, schema }).toEqual({ route, status, schema: { $ref: '#/components/schemas/ErrorBodyDto' } });
        } else {
          expect({ route, status, schema }).toEqual({ route, status, schema: expect.any(Object) });
        }
      }
    }
  });

  it('spot checks: sign-in, role change, the user list and its X-Total-Count, Retry-After on every 429', () => {
    const operation = (method: string, path: string) => document.paths[path][method];
    expect(Object.keys(operation('post', '/auth/signin').responses)).toEqual(expect.arrayContaining(['200', '400', '401', '429']));
    expect(Object.keys(operation('patch', '/users/{id}/role').responses)).toEqual(
      expect.arrayContaining(['200', '400', '401', '403', '404', '409']),
    );
    const list = operation('get', '/users').responses['200'];
    expect(list.headers).toHaveProperty('X-Total-Count');
    expect(list.content?.['application/json']?.schema).toEqual({ type: 'array', items: { $ref: '#/components/schemas/PublicUserDto' } });
    expect(operation('post', '/auth/signin').responses['200'].content?.['application/json']?.schema).toEqual({
      oneOf: [{ $ref: '#/components/schemas/AuthResponseDto' }, { $ref: '#/components/schemas/MfaChallengeDto' }],
    });
    expect(operation('post', '/auth/signin/mfa').responses['200'].content?.['application/json']?.schema).toEqual({
      $ref: '#/components/schemas/AuthResponseDto',
    });
    expect(Object.keys(document.components.schemas.MfaChallengeDto.properties).sort()).toEqual(['expiresIn', 'mfaRequired', 'mfaToken']);
    expect(operation('post', '/auth/refresh').responses['200'].content?.['application/json']?.schema).toEqual({
      $ref: '#/components/schemas/TokenPairDto',
    });
    expect(operation('get', '/.well-known/jwks.json').responses['200'].content?.['application/json']?.schema).toEqual({
      $ref: '#/components/schemas/JwkSetDto',
    });
    expect(Object.keys(document.components.schemas.PublicJwkDto.properties).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
    for (const [route, op] of apiOperations) {
      if (op.responses['429'])
        expect({ route, headers: op.responses['429'].headers }).toEqual({ route, headers: { 'Retry-After': expect.any(Object) } });
    }
  });

  it('describes the response bodies and the error body', () => {
    const { schemas } = document.components;
    expect(schemas.ErrorBodyDto.required).toEqual(['statusCode', 'message']);
    expect(Object.keys(schemas.PublicUserDto.properties).sort()).toEqual([
      'createdAt',
      'email',
      'emailVerified',
      'id',
      'mfaEnabled',
      'role',
      'updatedAt',
    ]);
    expect(Object.keys(schemas.TokenPairDto.properties).sort()).toEqual(['accessToken', 'expiresIn', 'refreshToken', 'tokenType']);
    expect(Object.keys(schemas.AuthResponseDto.properties).sort()).toEqual([
      'accessToken',
      'email',
      'expiresIn',
      'id',
      'refreshToken',
      'role',
      'tokenType',
    ]);
    expect(Object.keys(schemas.SessionViewDto.properties).sort()).toEqual([
      'createdAt',
      'current',
      'expiresAt',
      'id',
      'ip',
      'lastUsedAt',
      'userAgent',
    ]);
    expect(schemas.Role).toMatchObject({ type: 'string', enum: ['USER', 'ADMIN'] });
  });

  it('describes the request bodies: email format, password bounds (the configured minimum), the role enum', () => {
    const bodyOf = (method: string, path: string) => document.paths[path][method].requestBody?.content['application/json'].schema;
    expect(bodyOf('post', '/auth/signup')).toEqual({ $ref: '#/components/schemas/SignUpDto' });
    expect(bodyOf('post', '/auth/signin')).toEqual({ $ref: '#/components/schemas/CredentialsDto' });
    expect(bodyOf('post', '/auth/password')).toEqual({ $ref: '#/components/schemas/ChangePasswordDto' });
    expect(bodyOf('patch', '/users/{id}/role')).toEqual({ $ref: '#/components/schemas/UpdateRoleDto' });
    for (const [route, operation] of apiOperations) {
      expect({ route, body: operation.requestBody !== undefined }).toEqual({ route, body: WITH_JSON_BODY.includes(route) });
    }

    const { SignUpDto, CredentialsDto, ChangePasswordDto, UpdateRoleDto } = document.components.schemas;
    for (const schema of [SignUpDto, CredentialsDto]) {
      expect(schema.required).toEqual(['email', 'password']);
      expect(schema.properties.email).toMatchObject({ type: 'string', format: 'email', maxLength: 254 });
      expect(schema.properties.password).toMatchObject({ type: 'string', maxLength: 128 });
    }
    // A new password has the policy's lower bound; a password presented at sign-in has none.
    expect(SignUpDto.properties.password.minLength).toBe(10);
    expect(ChangePasswordDto.properties.newPassword).toMatchObject({ minLength: 10, maxLength: 128 });
    expect(document.components.schemas.ResetPasswordDto.properties.newPassword).toMatchObject({ minLength: 10, maxLength: 128 });
    expect(CredentialsDto.properties.password.minLength).toBeUndefined();
    expect(ChangePasswordDto.properties.currentPassword.minLength).toBeUndefined();
    expect(UpdateRoleDto.required).toEqual(['role']);
    expect(UpdateRoleDto.properties.role).toEqual({ allOf: [{ $ref: '#/components/schemas/Role' }] });
  });

  it('declares the bearer schemes: the access token on protected operations, the refresh token on refresh', () => {
    expect(document.components.securitySchemes['access-token']).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
    expect(document.components.securitySchemes['refresh-token']).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
    for (const [route, operation] of apiOperations) {
      const expected = PUBLIC.includes(route) ? undefined : [{ [route === 'POST /auth/refresh' ? 'refresh-token' : 'access-token']: [] }];
      expect({ route, security: operation.security }).toEqual({ route, security: expected });
    }
  });

  it('declares a bearer scheme exactly on the operations that answer 401 without a token', async () => {
    for (const [route, operation] of apiOperations) {
      const response = await call(t, route);
      expect({ route, unauthorized: response.status === 401 }).toEqual({ route, unauthorized: operation.security !== undefined });
    }
  }, 30_000);

  it('names the ADMIN role exactly on the operations that answer 403 to a USER, and the second-factor session on the @RequireMfa() ones', async () => {
    for (const [route, operation] of apiOperations) {
      expect({ route, roles: operation['x-required-roles'] }).toEqual({ route, roles: ADMIN_ONLY.includes(route) ? ['ADMIN'] : undefined });
      expect({ route, amr: operation['x-required-amr'] }).toEqual({ route, amr: MFA_SESSION_ONLY.includes(route) ? ['otp'] : undefined });
      if (operation.security === undefined) continue;
      // A fresh user each time: some of these calls sign the caller out.
      const user = await signUp(t.http);
      const token = route === 'POST /auth/refresh' ? user.refreshToken : user.accessToken;
      const response = await call(t, route).set(bearer(token));
      // A USER without a second factor: @RequireMfa() routes answer such a user's case themselves (409, the
      // contract's "not enabled"); their 403 is for a second-factor user's password-only session (test/mfa).
      expect({ route, forbidden: response.status === 403 }).toEqual({ route, forbidden: ADMIN_ONLY.includes(route) });
    }
  }, 30_000);

  it('serves Swagger UI at /docs under a CSP that lets it run; API routes keep the strict one', async () => {
    const page = await request(t.http).get('/docs');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toContain('swagger-ui-bundle.js');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    const docs = cspDirectives(page.headers['content-security-policy']);
    expect(docs.get('default-src')).toEqual(["'none'"]);
    expect(docs.get('script-src')).toEqual(["'self'"]); // its scripts are files of this origin, none inline
    expect(docs.get('style-src')).toEqual(["'self'", "'unsafe-inline'"]); // the page has <style> blocks
    expect(docs.get('img-src')).toEqual(["'self'", 'data:']);
    expect(docs.get('connect-src')).toEqual(["'self'"]); // "Try it out" calls this API
    expect(docs.get('frame-ancestors')).toEqual(["'none'"]);

    // The files the page loads are served, the document inlined in the init script.
    for (const file of ['swagger-ui.css', 'swagger-ui-bundle.js', 'swagger-ui-standalone-preset.js', 'swagger-ui-init.js']) {
      const asset = await request(t.http).get(`/docs/${file}`);
      expect({ file, status: asset.status, nosniff: asset.headers['x-content-type-options'] }).toEqual({
        file,
        status: 200,
        nosniff: 'nosniff',
      });
    }
    expect((await request(t.http).get('/docs/swagger-ui-init.js')).text).toContain('"/users/{id}/role"');

    const health = await request(t.http).get('/health');
    expect(health.status).toBe(200);
    expect(health.headers['x-content-type-options']).toBe('nosniff');
    const strict = cspDirectives(health.headers['content-security-policy']);
    expect(strict.get('default-src')).toEqual(["'none'"]);
    expect(strict.has('connect-src')).toBe(false);
    const json = await request(t.http).get('/docs-json');
    const signin = await request(t.http).post('/auth/signin').send({});
    expect(json.headers['content-security-policy']).toBe(health.headers['content-security-policy']);
    expect(signin.headers['content-security-policy']).toBe(health.headers['content-security-policy']);
  });
});
