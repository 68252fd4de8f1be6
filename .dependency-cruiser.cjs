/**
 * Architecture as a check (npm run lint:architecture, a step of npm test). The layers:
 * - application set-up: main.ts, bootstrap.ts, app.module.ts, app.factory.ts, graceful-shutdown.ts and docs/ (the
 *   OpenAPI document): they assemble the features and may import anything. cluster/ (the primary of
 *   WEB_CONCURRENCY > 1) is set-up too, but loads only config/ and logging/, and no framework (see its rule).
 * - shared layers: common/ (filters, pipes, the OpenAPI response decorators), config/, database/, clock/,
 *   logging/, access/ (the access-control leaf: @Public, @Roles, @RequireMfa, @CurrentUser, @Client, the
 *   global guards, AuthUser, ClientInfo) and passwords/ (hashing, policy). They import no feature, so every
 *   feature can import them.
 * - the features: auth, users, sessions, audit, mfa, limits, health, demo, mail, email-tokens. A feature
 *   imports another only through its public surface: `*.module.ts`, `*.service.ts` and `*.provider.ts` (the
 *   providers its module exports), `*.guard.ts`, `*.types.ts` and its request/response shapes (`dto/*.dto.ts`).
 *   Everything else in a feature folder is its own business.
 * - no cycles: neither between files nor between feature folders (auth may use users, so users never uses auth).
 * - src/generated/prisma: only database/ loads the client's runtime (client.ts); the rest import its types
 *   and enums (enums.ts, models).
 */
const FEATURES = '(auth|users|sessions|audit|mfa|limits|health|demo|mail|email-tokens)';
const SHARED = '(common|config|database|clock|logging|access|passwords)';
const PUBLIC_SURFACE = '^src/[^/]+/([^/]+\\.(module|service|provider|guard|types)\\.ts|dto/[^/]+\\.dto\\.ts)$';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A cycle between files: under ESM a cycle between decorated classes fails to load.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-folder-cycles',
      severity: 'error',
      comment: 'A cycle between folders (a imports b imports a), type-only imports included.',
      scope: 'folder',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'shared-layers-import-no-feature',
      severity: 'error',
      from: { path: `^src/${SHARED}/` },
      to: { path: [`^src/${FEATURES}/`, '^src/docs/', '^src/app\\.'] },
    },
    {
      name: 'no-feature-internals',
      severity: 'error',
      comment: 'A feature uses another through its public surface only (see above).',
      from: { path: `^src/${FEATURES}/` },
      to: {
        path: `^src/${FEATURES}/`,
        pathNot: ['^src/$1/', PUBLIC_SURFACE],
      },
    },
    {
      name: 'cluster-primary-loads-no-application',
      severity: 'error',
      comment:
        "The cluster's primary only forks and watches the workers: none of the application's code or frameworks (its memory, start-up time).",
      from: { path: '^src/cluster/' },
      to: {
        path: ['^src/', 'node_modules/(@nestjs|@prisma|@fastify|fastify|pg|class-validator|class-transformer|ioredis|reflect-metadata)/'],
        pathNot: ['^src/(cluster|config|logging)/'],
        reachable: true,
      },
    },
    {
      name: 'generated-client-runtime-only-in-database',
      severity: 'error',
      comment: "Only the database module loads the generated Prisma client's runtime; others import its types (and enums).",
      from: { path: '^src/', pathNot: ['^src/database/', '^src/generated/'] },
      to: { path: '^src/generated/prisma/client\\.ts$', dependencyTypesNot: ['type-only'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['^src/generated/', '\\.spec\\.ts$'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
