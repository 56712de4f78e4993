/** @type {import('jest').Config} */
const aliases = ['common', 'database', 'auth', 'tenancy', 'audit', 'calendar', 'ledger', 'reporting', 'jobs', 'inspection', 'sanctions', 'matrix', 'scoring', 'supervision', 'core'];

module.exports = {
  rootDir: '.',
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  testMatch: [
    '<rootDir>/libs/**/*.spec.ts',
    '<rootDir>/apps/**/*.spec.ts',
    '<rootDir>/test/**/*.spec.ts',
    '<rootDir>/sdk/src/**/*.spec.ts',
  ],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.jest.json' }] },
  moduleNameMapper: {
    ...Object.fromEntries(
      aliases.flatMap((name) => [
        [`^@govmatrix/${name}$`, `<rootDir>/libs/${name}/src`],
        [`^@govmatrix/${name}/(.*)$`, `<rootDir>/libs/${name}/src/$1`],
      ]),
    ),
    // The SDK is tested from its sources; its package (npm workspace) points at the built dist/.
    '^@govmatrix/sdk$': '<rootDir>/sdk/src',
  },
  globalSetup: '<rootDir>/test/setup/global-setup.ts',
  globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
  testTimeout: 60_000,
  maxWorkers: 2,
};
