// The service as `npm run build` makes it: dist/main.js and its chunks are bundled (scripts/bundle.js), while the other
// tests boot the application from src/. What the bundle could lose is checked here: the files the service finds
// beside its modules (migrations, the demo page), the packages left outside the bundle (Swagger UI's files, the
// common-password list, validation), and the OpenAPI document built on its first request.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PASSWORD, uniqueEmail } from '../support/api.js';
import { httpCall } from '../support/http-client.js';
import { BUILT_MAIN, ensureBuilt, startService, stopAllServices, type ServiceProcess } from '../support/service-process.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

describe('the production build (dist/main.js bundled)', () => {
  let database: TestDatabase;
  let service: ServiceProcess;

  beforeAll(async () => {
    const build = await ensureBuilt();
    console.log(build.built ? `build: ${(build.ms / 1000).toFixed(1)} s` : 'build: up to date, reused');
    database = await createTestDatabase();
    // On a database of its own: the migrations are applied from prisma/migrations at start-up.
    service = await startService({ databaseUrl: database.url, env: { PASSWORD_MIN_LENGTH: '10' } });
  }, 360_000);

  afterAll(async () => {
    await stopAllServices();
    await database?.drop();
  });

  it('is a bundle: main.js and its chunks import none of the modules built beside them', () => {
    const dist = path.dirname(BUILT_MAIN);
    const chunks = readdirSync(dist).filter((file) => /^bundle-.*\.js$/.test(file));
    const sources = [BUILT_MAIN, ...chunks.map((chunk) => path.join(dist, chunk))].map((file) => readFileSync(file, 'utf8'));
    expect(sources.some((source) => source.includes('class AuthService'))).toBe(true);
    for (const source of sources) {
      const staticImports = [...source.matchAll(/^\s*(?:import|export)\b[^\n]*from\s*["'](\.\.?\/[^"']+)["']/gm)];
      const dynamicImports = [...source.matchAll(/\bawait import\("(\.\.?\/[^"]+)"\)/g)];
      const relativeImports = [...staticImports, ...dynamicImports].map((match) => match[1]);
      expect(relativeImports.filter((target) => !/^\.\/bundle-[^/]+\.js$/.test(target))).toEqual([]);
    }
    // The cluster's primary loads neither the service nor Nest: the service is a chunk of its own.
    expect(readFileSync(BUILT_MAIN, 'utf8')).not.toContain('class AuthService');
  });

  it('serves the API: sign-up, /users/me, query transformation and validation (400), the common-password list (400)', async () => {
    const email = uniqueEmail('bundle');
    const created = await httpCall(service.port, 'POST', '/auth/signup', { body: { email, password: PASSWORD } });
    expect(created.status).toBe(201);
    const me = await httpCall(service.port, 'GET', '/users/me', { token: created.body.accessToken });
    expect(me).toMatchObject({ status: 200, body: { email, role: 'USER' } });

    // Query strings become numbers through class-transformer's @Transform: decorators and pipe share one copy.
    const events = await httpCall(service.port, 'GET', '/auth/events?take=1', { token: created.body.accessToken });
    expect(events.status).toBe(200);
    expect(events.body).toHaveLength(1);
    expect((await httpCall(service.port, 'GET', '/auth/events?take=x', { token: created.body.accessToken })).status).toBe(400);

    const invalid = await httpCall(service.port, 'POST', '/auth/signup', { body: { email: 'not-an-email', password: PASSWORD } });
    expect(invalid.status).toBe(400);
    const common = await httpCall(service.port, 'POST', '/auth/signup', {
      body: { email: uniqueEmail('bundle'), password: 'password123' },
    });
    expect(common.status).toBe(400);
    expect(common.body.message).toEqual([expect.stringMatching(/too common/)]);
  });

  it('serves the OpenAPI document (built on this first request), Swagger UI and its files', async () => {
    const document = await httpCall(service.port, 'GET', '/docs-json');
    expect(document.status).toBe(200);
    expect(Object.keys(document.body.paths)).toEqual(expect.arrayContaining(['/auth/signup', '/users/me', '/health']));
    // Schema names are class names: the bundle keeps them.
    expect(document.body.components.schemas.SignUpDto.properties.password.minLength).toBe(10);
    expect((await httpCall(service.port, 'GET', '/docs')).body).toContain('swagger-ui-bundle.js');
    for (const file of ['swagger-ui.css', 'swagger-ui-bundle.js', 'swagger-ui-init.js']) {
      expect({ file, status: (await httpCall(service.port, 'GET', `/docs/${file}`)).status }).toEqual({ file, status: 200 });
    }
  });

  it('serves the demo page and its files, read from beside the demo module', async () => {
    const page = await httpCall(service.port, 'GET', '/demo');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    for (const file of ['app.js', 'app.css', 'mfa.js', 'qrcode.js']) {
      expect({ file, status: (await httpCall(service.port, 'GET', `/demo/${file}`)).status }).toEqual({ file, status: 200 });
    }
  });
});
