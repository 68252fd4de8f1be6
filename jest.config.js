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

const common = {
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': swc },
  testEnvironment: 'node',
};

export default {
  projects: [
    { ...common, displayName: 'unit', rootDir: 'src', testMatch: ['**/*.spec.ts'] },
    {
      ...common,
      displayName: 'e2e',
      rootDir: '.',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/setup/global-setup.js',
      // See test/setup/cjs-to-esm.js: @nestjs/throttler (CommonJS) rewritten as ESM for Jest on Node 20.
      moduleNameMapper: {
        ...common.moduleNameMapper,
        '^@nestjs/throttler$': '<rootDir>/test/.cache/nestjs-throttler/index.mjs',
      },
      globalTeardown: '<rootDir>/test/setup/global-teardown.js',
      testTimeout: 30000,
    },
  ],
};
