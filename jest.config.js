// Three projects: `npx jest --selectProjects unit` needs no build; integration and crash run the built CLI and serve
// processes, so their globalSetup compiles src/ into dist/ first and no test can run a stale dist/.
// Type checking is `npm run typecheck` (part of `npm test`); ts-jest only transpiles (tsconfig.test.json).
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }] };
const project = (name, extra = {}) => ({
  displayName: name,
  testEnvironment: 'node',
  roots: [`<rootDir>/test/${name}`],
  testMatch: ['**/*.test.ts'],
  transform,
  ...extra,
});

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 30000,
  // Most integration time is spent waiting on child processes, registries and sockets, so both cores stay busy.
  maxWorkers: 2,
  // One PostgreSQL server per run, started by the first test that needs it and always stopped at the end.
  globalSetup: '<rootDir>/test/postgres-setup.ts',
  globalTeardown: '<rootDir>/test/postgres-teardown.ts',
  projects: [
    project('unit'),
    project('integration', { globalSetup: '<rootDir>/test/build-dist.ts' }),
    project('crash', { globalSetup: '<rootDir>/test/build-dist.ts' }),
  ],
};
