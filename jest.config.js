// Jest runs NestJS 12 (ESM) only in ESM mode: see the test scripts in package.json
// (node --experimental-vm-modules). @swc/jest strips types without checking them;
// `npm run typecheck` is the type check.
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2023',
    },
    module: { type: 'es6' },
    sourceMaps: 'inline',
  },
];

// content-disposition 3 is ESM only and @fastify/static (CommonJS; it serves Swagger UI's files at /docs)
// require()s it, which Jest cannot do on Node < 24.9: the e2e project compiles that package to CommonJS.
// The same for jose 6, which jwks-rsa (CommonJS; examples/resource-server) require()s.
const swcToCommonJs = ['@swc/jest', { jsc: { parser: { syntax: 'ecmascript' }, target: 'es2023' }, module: { type: 'commonjs' } }];

const common = {
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': swc },
  testEnvironment: 'node',
};

export default {
  // A per-project testTimeout is ignored: it is a global option. e2e hooks boot applications and databases.
  testTimeout: 60000,
  projects: [
    { ...common, displayName: 'unit', rootDir: 'src', testMatch: ['**/*.spec.ts'] },
    {
      ...common,
      displayName: 'e2e',
      rootDir: '.',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      transform: { ...common.transform, '/node_modules/(content-disposition|jose)/.+\\.js$': swcToCommonJs },
      transformIgnorePatterns: ['/node_modules/(?!(content-disposition|jose)/)'],
      globalSetup: '<rootDir>/test/setup/global-setup.js',
      // See test/setup/cjs-to-esm.js: @nestjs/throttler (CommonJS) rewritten as ESM for Jest on Node 20.
      moduleNameMapper: {
        ...common.moduleNameMapper,
        '^@nestjs/throttler$': '<rootDir>/test/.cache/nestjs-throttler/index.mjs',
      },
      globalTeardown: '<rootDir>/test/setup/global-teardown.js',
    },
  ],
};
