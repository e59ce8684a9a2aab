/** Jest runs the TypeScript sources as native ESM (NestJS 12 is ESM-only): see "test" in package.json. */
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.spec.ts', '**/*.e2e-spec.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {
    '^@datapunk/nestjs-cache$': '<rootDir>/lib/index.ts',
    '^@datapunk/nestjs-cache/(compat|admin|health|testing)$': '<rootDir>/lib/$1.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
    // lib/peers/package-require.cts (CommonJS in both builds) is imported by its emitted name, .cjs
    '^(\\.{1,2}/.*)/peers/package-require\\.cjs$': '$1/peers/package-require.cts',
  },
  moduleFileExtensions: ['ts', 'cts', 'js', 'cjs', 'mjs', 'json'],
  transform: {
    '^.+\\.c?ts$': ['ts-jest', { useESM: true, tsconfig: '<rootDir>/tsconfig.json' }],
  },
  testTimeout: 30_000,
};
