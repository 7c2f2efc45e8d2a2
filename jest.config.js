// One Jest run, three tiers. Unit specs sit beside the code; integration specs
// (*.int.spec.ts) need real servers; end-to-end suites under test/ drive a running Parley.
const swc = ['@swc/jest', {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
  },
  module: { type: 'commonjs' },
}];
const common = {
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper: { '^@parley/([a-z-]+)$': '<rootDir>/libs/$1/src/index.ts' },
  testEnvironment: 'node',
  // PGlite and real servers take seconds to open on a loaded 2-core machine; tests bound their own waits.
  testTimeout: 30_000,
  rootDir: __dirname,
};
module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs}/**/*.spec.ts', '<rootDir>/test/support/**/*.spec.ts', '<rootDir>/charts/**/*.spec.ts', '<rootDir>/bench/**/*.spec.ts', '<rootDir>/tools/**/*.spec.ts'], testPathIgnorePatterns: ['\\.int\\.spec\\.ts$'] },
    { ...common, displayName: 'integration', testMatch: ['<rootDir>/{apps,libs}/**/*.int.spec.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/**/*.e2e.ts'] },
    // Fault tests kill, pause and stop parts of the mesh: run last, one at a time, mesh target only.
    { ...common, displayName: 'fault', testMatch: ['<rootDir>/test/fault/**/*.fault.ts'] },
    // Scale tests hold thousands of sockets against a multi-gateway mesh: run alone, mesh target only.
    { ...common, displayName: 'scale', testMatch: ['<rootDir>/test/scale/**/*.scale.ts'] },
    // The OCI image (npm run image) run as containers with runc: needs root, umoci and runc.
    { ...common, displayName: 'image', testMatch: ['<rootDir>/test/image/**/*.image.ts'] },
  ],
};
