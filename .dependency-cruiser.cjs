/**
 * Architecture as a check (npm run lint:architecture, a step of npm test). The layers:
 * - common/, config/, database/, logging/: shared infrastructure; they import no feature.
 * - access/: the shared access-control leaf (@Public, @Roles, @CurrentUser, the guards, AuthUser); it imports
 *   no feature either, so every feature can import it.
 * - the features (auth, users, sessions, audit, limits, health, demo, docs, ...): a feature imports another
 *   only through that feature's module, service or types files, never its internals.
 */
const FEATURES = '(auth|users|sessions|audit|limits|health|demo|docs|mail|mfa|email|keys)';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A cycle between files: under ESM a cycle between decorated classes fails to load.',
      from: {},
      to: { circular: true, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'no-folder-cycles',
      severity: 'error',
      comment: 'A cycle between feature folders (a imports b imports a), counting type-only imports too.',
      from: { path: `^src/${FEATURES}/` },
      to: { path: `^src/${FEATURES}/`, circular: true, pathNot: '^src/$1/' },
    },
    {
      name: 'shared-layers-import-no-feature',
      severity: 'error',
      from: { path: '^src/(common|config|database|logging|access)/' },
      to: { path: `^src/${FEATURES}/` },
    },
    {
      name: 'no-feature-internals',
      severity: 'error',
      comment: "A feature uses another through its module, service and types files only (its public surface).",
      from: { path: `^src/${FEATURES}/` },
      to: {
        path: `^src/${FEATURES}/`,
        pathNot: [`^src/$1/`, '^src/[^/]+/[^/]+\\.(module|service|types)\\.ts$'],
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
